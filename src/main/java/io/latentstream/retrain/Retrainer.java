package io.latentstream.retrain;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelCatalog;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.BundleException;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import io.latentstream.ops.Meters;
import io.latentstream.topology.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One retraining run: read the samples window, train a challenger warm-started from the champion
 * (robust trimmed loss on, threshold re-calibrated on the newest slice), score champion and
 * challenger on the same newest slice, and publish the challenger only if it passes the gate.
 * Every decision is logged, counted and recorded on the models topic.
 */
public final class Retrainer {
    private static final Logger LOG = LoggerFactory.getLogger(Retrainer.class);

    public enum Outcome { PUBLISHED, REJECTED, SKIPPED, FAILED }

    /** What kind of run a retrain is: it decides which flagged samples are trained on and which gate checks apply. */
    public enum Run {
        /** Schedule, control message, POST /retrain: must not learn what the champion flags. */
        ROUTINE(SamplesWindow.Flagged.EXCLUDE),
        /** A drift trigger: a shifted entity's flagged samples are the candidate new normal. */
        DRIFT(SamplesWindow.Flagged.MAJORITY_CONTEXTS),
        /** An operator's re-baseline: trains on every sample, no anomaly-rate check. */
        ACCEPT_NEW_NORMAL(SamplesWindow.Flagged.INCLUDE);

        final SamplesWindow.Flagged flagged;

        Run(SamplesWindow.Flagged flagged) {
            this.flagged = flagged;
        }

        static Run of(String trigger, boolean acceptNewNormal) {
            return acceptNewNormal ? ACCEPT_NEW_NORMAL : trigger.startsWith("drift") ? DRIFT : ROUTINE;
        }
    }

    /** The newest share of a window: the challenger's validation and calibration rows, and the gate's slice. */
    public static final double NEWEST_SLICE = 0.2;
    /** Fewest newest-slice rows of one entity for the gate to judge that entity's flag rate on its own. */
    static final int ENTITY_MIN_ROWS = 20;
    /** Fewest extra flagged rows of one entity that can fail the gate (fewer is noise at any rate). */
    static final int ENTITY_MIN_EXTRA_FLAGS = 5;

    /** What a run decided, and the figures it decided on. */
    public record Decision(Outcome outcome, String reason, Long championVersion, Long challengerVersion, String trigger,
                           Map<String, Double> figures, double seconds) {
        public Map<String, Object> toRecord() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("outcome", outcome.name().toLowerCase(Locale.ROOT));
            m.put("reason", reason);
            m.put("champion", championVersion);
            m.put("challenger", challengerVersion);
            m.put("trigger", trigger);
            m.put("figures", figures);
            m.put("seconds", Math.round(seconds * 10) / 10.0);
            m.put("at", Instant.now().toString());
            return m;
        }
    }

    private final AppConfig cfg;
    private final String bootstrap;
    private final Meters meters;
    private final ModelPublisher publisher;
    private final AtomicBoolean running = new AtomicBoolean();

    public Retrainer(AppConfig cfg, String bootstrap, Meters meters) {
        this.cfg = cfg;
        this.bootstrap = bootstrap;
        this.meters = meters;
        this.publisher = new ModelPublisher(bootstrap, cfg.kafkaClientOverrides(), Topics.from(cfg).models());
    }

    private volatile DriftMonitor.Expectation expectation;
    private long expectedCheckedAt;

    /**
     * What the active model expects of live data (calibrated anomaly rate, validation latent mean
     * and variance), refreshed at most every 30 s; null before any model exists.
     */
    DriftMonitor.Expectation expectation() {
        if (System.currentTimeMillis() - expectedCheckedAt > 30_000) {
            expectedCheckedAt = System.currentTimeMillis();
            try {
                ModelCatalog.Verified v = publisher.snapshot(cfg.getString(Settings.MODEL_NAME), cfg.getInt(Settings.MODEL_MAX_BYTES),
                        Duration.ofSeconds(10)).desired();
                if (v != null) {
                    var m = v.bundle().manifest();
                    int k = m.architecture().latentDim();
                    double[] mean = new double[k];
                    double[] var = new double[k];
                    boolean haveLatents = true;
                    for (int i = 0; i < k; i++) {
                        Double mi = m.validation().get("latent_mean_" + i);
                        Double vi = m.validation().get("latent_var_" + i);
                        if (mi == null || vi == null) {
                            haveLatents = false;
                            break;
                        }
                        mean[i] = mi;
                        var[i] = vi;
                    }
                    expectation = new DriftMonitor.Expectation(v.version(), 1 - m.scoring().quantile(),
                            haveLatents ? mean : null, haveLatents ? var : null);
                }
            } catch (RuntimeException e) {
                LOG.debug("could not refresh the model's expectations: {}", e.toString());
            }
        }
        return expectation;
    }

    Meters meters() {
        return meters;
    }

    /** True while a run is in progress (POST /retrain answers 409 then). */
    public boolean busy() {
        return running.get();
    }

    /**
     * Runs one retrain unless one is already running in this process.
     *
     * @param acceptNewNormal train on flagged samples too and skip the gate's anomaly-rate check (an operator
     *                        re-baselines after a real level shift). A drift-triggered run trains on the flagged
     *                        samples of contexts that are mostly flagged (shifted entities) and keeps the full gate.
     * @return the decision, or null when another run was in progress
     */
    public Decision retrain(String trigger, boolean acceptNewNormal) {
        if (!running.compareAndSet(false, true)) {
            return null;
        }
        long t0 = System.nanoTime();
        String name = cfg.getString(Settings.MODEL_NAME);
        Decision decision;
        Long championVersion = null;
        try {
            ModelCatalog catalog = publisher.snapshot(name, cfg.getInt(Settings.MODEL_MAX_BYTES), Duration.ofSeconds(30));
            ModelCatalog.Verified champion = catalog.desired();
            if (champion == null) {
                decision = new Decision(Outcome.SKIPPED, "no valid champion on the models topic (publish a first version: `latentstream models publish --bundle <file>`; a processor's model.path is not on the topic)", null, null, trigger, Map.of(), secs(t0));
            } else {
                championVersion = champion.version();
                decision = challenge(champion.bundle(), catalog.latestVersion(), trigger, acceptNewNormal, t0);
            }
        } catch (RuntimeException e) {
            LOG.error("retrain failed", e);
            decision = new Decision(Outcome.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage(), championVersion, null,
                    trigger, Map.of(), secs(t0));
        } finally {
            running.set(false);
        }
        meters.retrainDecision(decision.outcome().name().toLowerCase(Locale.ROOT), decision.seconds());
        expectedCheckedAt = 0; // a new champion may have a new calibration
        LOG.info("retrain ({}) {}: {}", trigger, decision.outcome(), decision.reason());
        try {
            publisher.recordDecision(name, decision.toRecord());
        } catch (RuntimeException e) {
            LOG.warn("could not record the decision on the models topic: {}", e.toString());
        }
        return decision;
    }

    private Decision challenge(ModelBundle champion, long latestVersion, String trigger, boolean acceptNewNormal, long t0) {
        SamplesWindow.Window w = SamplesWindow.read(bootstrap, cfg.kafkaClientOverrides(), Topics.from(cfg).samples(), champion,
                cfg.getLong(Settings.RETRAIN_WINDOW_MS), cfg.getInt(Settings.RETRAIN_MAX_SAMPLES), System.nanoTime(),
                Run.of(trigger, acceptNewNormal).flagged, cfg.getInt(Settings.RETRAIN_NEW_CONTEXT_MIN_SAMPLES),
                Settings.jsonFields(cfg), Duration.ofMinutes(2));
        int trainable = w.data() == null ? 0 : w.data().trainableRows();
        meters.samplesWindow(trainable);
        int min = cfg.getInt(Settings.RETRAIN_MIN_SAMPLES);
        if (trainable < min) {
            int heldOut = w.data() == null ? 0 : w.data().rows() - trainable;
            return new Decision(Outcome.SKIPPED, "only " + trainable + " samples to train on in the window (need " + min + ")"
                    + (heldOut > 0 ? "; " + heldOut + " flagged ones held out" : "")
                    + (w.unparsed() > 0 ? "; " + w.unparsed() + " do not parse with v" + champion.version() + "'s "
                    + champion.features().size() + " features (scored by a model of another feature set)" : ""),
                    champion.version(), null, trigger, Map.of(), secs(t0));
        }
        TrainingData data = w.data();
        long version = latestVersion + 1;
        Map<String, String> window = new LinkedHashMap<>(w.provenance());
        window.put("trigger", trigger);
        long trainStart = System.nanoTime();
        ModelBundle challenger = trainChallenger(champion, data, cfg.getInt(Settings.RETRAIN_EPOCHS),
                cfg.getInt(Settings.RETRAIN_NEW_CONTEXT_MIN_SAMPLES), version, window);
        meters.trainingDuration(secs(trainStart));
        Verdict v = judge(champion, challenger, data, Run.of(trigger, acceptNewNormal), cfg.getDouble(Settings.RETRAIN_TOLERANCE),
                cfg.getDouble(Settings.RETRAIN_RATE_TOLERANCE));
        v = fits(v, challenger, cfg.getInt(Settings.MODEL_MAX_BYTES));
        if (v.published()) {
            try {
                publisher.publish(challenger, acceptNewNormal ? "accept-new-normal" : "retrain");
            } catch (ModelPublisher.VersionTakenException e) {
                // An operator published (models publish, models threshold) while this one trained: theirs stands, and
                // the next retrain warm-starts from whatever is active then.
                return new Decision(Outcome.SKIPPED, e.getMessage() + " by another publisher while this challenger trained; "
                        + "the next retrain starts from the version active then (the gate had passed it: "
                        + v.reason().replaceFirst("^v\\d+ published: ", "") + ")",
                        champion.version(), null, trigger, v.figures(), secs(t0));
            }
        }
        List<String> learned = addedContexts(champion, challenger);
        String reason = learned.isEmpty() ? v.reason() : v.reason() + "; " + (v.published() ? "" : "would have ")
                + "learned " + learned.size() + " new context(s): " + (learned.size() <= 10 ? String.join(", ", learned)
                : String.join(", ", learned.subList(0, 10)) + ", ...");
        Double rehearsed = challenger.manifest().validation().get("rehearsed_contexts");
        if (rehearsed != null) {
            reason += "; " + (v.published() ? "" : "would have ") + "kept " + rehearsed.intValue() + " known context(s) the window held too few samples of with "
                    + challenger.manifest().validation().get("rehearsal_rows").intValue() + " rows the champion generated";
        }
        return new Decision(v.published() ? Outcome.PUBLISHED : Outcome.REJECTED, reason, champion.version(), version, trigger,
                v.figures(), secs(t0));
    }

    /**
     * The challenger of a window: warm-started from the champion, robust (10% trimmed loss), the
     * newest 20% of the window for validation and calibration, the champion's scoring settings.
     */
    public static ModelBundle trainChallenger(ModelBundle champion, TrainingData window, int epochs, int newContextMinRows,
                                              long version, Map<String, String> provenance) {
        TrainOptions o = TrainOptions.defaults().withEpochs(epochs).withValidation(NEWEST_SLICE, true)
                .withNewContextMinRows(newContextMinRows)
                .withTrimFraction(0.1).withScoring(champion.manifest().scoring().quantile(),
                        io.latentstream.model.Direction.parse(champion.manifest().scoring().direction()),
                        champion.manifest().scoring().sensitivity());
        return VaeTrainer.train(window, o, new VaeTrainer.Identity(champion.manifest().name(), version, champion.version(),
                provenance), champion, null);
    }

    /**
     * A passed verdict stands only if the processors would load the bundle: new contexts make it larger,
     * and one over {@code model.max.bytes} (or the manifest limit) would be published and then refused.
     */
    static Verdict fits(Verdict v, ModelBundle challenger, int maxBytes) {
        if (!v.published()) {
            return v;
        }
        try {
            BundleCodec.read(BundleCodec.write(challenger), maxBytes);
            return v;
        } catch (BundleException e) {
            return new Verdict(false, "challenger bundle refused: " + e.getMessage() + " (" + Settings.MODEL_MAX_BYTES + " "
                    + maxBytes + ")", v.figures());
        }
    }

    /**
     * The contexts a challenger of {@code champion} will give a slot to, for a window whose rows have
     * {@code contexts} in time order: those with {@code minRows} rows among the rows it trains on (the
     * oldest; the newest slice validates). Their flagged samples are trained on: they were flagged by
     * the unknown slot, the fleet's average, not against their own normal.
     */
    public static Set<String> contextsToLearn(ModelBundle champion, String[] contexts, int minRows) {
        if (!champion.conditional() || contexts == null || contexts.length == 0) {
            return Set.of();
        }
        String[] training = Arrays.copyOf(contexts, Math.max(0, VaeTrainer.trainingPart(contexts.length, NEWEST_SLICE)));
        return new LinkedHashSet<>(VaeTrainer.newContexts(champion.manifest().context().vocabulary(), training, minRows));
    }

    /** Contexts the challenger has a slot for and the champion does not, in slot order. */
    static List<String> addedContexts(ModelBundle champion, ModelBundle challenger) {
        if (!champion.conditional() || !challenger.conditional()) {
            return List.of();
        }
        List<String> vocabulary = challenger.manifest().context().vocabulary();
        int known = champion.manifest().context().vocabulary().size();
        return vocabulary.size() > known ? vocabulary.subList(known, vocabulary.size()) : List.of();
    }

    /** The gate's verdict: published (the challenger may replace the champion) or not, why, and on which figures. */
    public record Verdict(boolean published, String reason, Map<String, Double> figures) {
    }

    /**
     * The gate: champion and challenger on the same newest slice of the window (the challenger's
     * validation rows and the flagged rows held out beside them): the error on the rows not held
     * out, the flag rates on all of them.
     *
     * @param run which checks apply: a routine run must keep the champion's flags, accept-new-normal has no rate check
     */
    public static Verdict judge(ModelBundle champion, ModelBundle challenger, TrainingData data, Run run, double tol,
                                double rateTol) {
        int n = data.rows();
        int from = n - Math.max(1, (int) Math.round(n * NEWEST_SLICE));
        double[][] slice = java.util.Arrays.copyOfRange(data.x(), from, n);
        String[] sliceCtx = data.contexts() == null ? null : java.util.Arrays.copyOfRange(data.contexts(), from, n);
        boolean[] sliceHeldOut = new boolean[slice.length];
        for (int i = 0; i < slice.length; i++) {
            sliceHeldOut[i] = data.isHeldOut(from + i);
        }
        Gate champ = gate(new FastScorer(champion), slice, sliceCtx, sliceHeldOut);
        Gate chall = gate(new FastScorer(challenger), slice, sliceCtx, sliceHeldOut);
        Map<String, Double> f = new LinkedHashMap<>();
        f.put("samples", (double) n);
        f.put("held_out", (double) (n - data.trainableRows()));
        f.put("slice", (double) slice.length);
        f.put("champion_error", champ.error);
        f.put("challenger_error", chall.error);
        f.put("champion_anomaly_rate", champ.rate);
        f.put("challenger_anomaly_rate", chall.rate);
        // The champion's flags on a context only the challenger has a slot for came from its unknown slot,
        // not from that entity's own normal: they are no yardstick for what the challenger must keep.
        Set<String> added = new HashSet<>(addedContexts(champion, challenger));
        int championFlags = 0;
        int bothFlag = 0;
        for (int i = 0; i < slice.length; i++) {
            if (champ.flagged[i] && (sliceCtx == null || !added.contains(sliceCtx[i]))) {
                championFlags++;
                bothFlag += chall.flagged[i] ? 1 : 0;
            }
        }
        double kept = championFlags == 0 ? 1 : (double) bothFlag / championFlags;
        f.put("champion_flags_kept_by_challenger", kept);
        if (!added.isEmpty()) {
            f.put("new_contexts", (double) added.size());
        }
        if (chall.error > champ.error * (1 + tol)) {
            return new Verdict(false, String.format(Locale.ROOT,
                    "challenger reconstruction error %.4f worse than champion %.4f beyond %.0f%%", chall.error, champ.error, tol * 100), f);
        }
        // A routine retrain must not learn what the champion flags as normal (an incident, or a window
        // poisoned by anomalies the samples did not mark): re-baselining is for drift runs and
        // accept-new-normal.
        if (run == Run.ROUTINE && championFlags >= 10 && championFlags > 3 * rateTol * slice.length && kept < 0.5) {
            return new Verdict(false, String.format(Locale.ROOT,
                    "challenger would treat %d of the %d newest records the champion flags as normal (keeps %.0f%%); "
                            + "if this is the new normal, send {\"action\":\"accept-new-normal\"}", championFlags - bothFlag,
                    championFlags, 100 * kept), f);
        }
        if (run != Run.ACCEPT_NEW_NORMAL && chall.rate > champ.rate + rateTol) {
            return new Verdict(false, String.format(Locale.ROOT,
                    "challenger flags %.2f%% of the newest slice, champion %.2f%% (tolerance %.2f%%)", 100 * chall.rate,
                    100 * champ.rate, 100 * rateTol), f);
        }
        // The same check entity by entity: in a fleet, a challenger that floods one entity with alarms
        // barely moves the slice's rate (one pump in fifty at 30% flagged adds 0.6%).
        EntityRise rise = sliceCtx == null ? null : worstEntityRise(sliceCtx, champ.flagged, chall.flagged, rateTol);
        if (rise != null) {
            f.put("worst_entity_flag_rise", rise.excess());
        }
        if (run != Run.ACCEPT_NEW_NORMAL && rise != null && rise.excess() > 0) {
            return new Verdict(false, String.format(Locale.ROOT,
                    "challenger flags %d of %s's %d newest records (%.1f%%), champion %d (%.1f%%; tolerance %.1f%% at that count)",
                    rise.challengerFlags(), rise.context(), rise.rows(), 100.0 * rise.challengerFlags() / rise.rows(),
                    rise.championFlags(), 100.0 * rise.championFlags() / rise.rows(), 100 * rise.tolerance()), f);
        }
        return new Verdict(true, String.format(Locale.ROOT, "v%d published: error %.4f vs %.4f, anomaly rate %.2f%% vs %.2f%%",
                challenger.version(), chall.error, champ.error, 100 * chall.rate, 100 * champ.rate), f);
    }

    private record Gate(double error, double rate, boolean[] flagged) {
    }

    /**
     * One entity's rise in flagged rows from champion to challenger on the newest slice, and how far
     * its rate rose beyond the tolerance: the gate's rate tolerance plus three standard errors of the
     * champion's rate at that row count (at least one flag's worth), so that a small entity's chance
     * wobble does not fail a retrain. Negative excess: within tolerance.
     */
    record EntityRise(String context, int rows, int championFlags, int challengerFlags, double tolerance) {
        double excess() {
            return (double) (challengerFlags - championFlags) / rows - tolerance;
        }
    }

    /**
     * The entity whose flag rate rose most beyond its tolerance, among those with at least
     * {@link #ENTITY_MIN_ROWS} slice rows and {@link #ENTITY_MIN_EXTRA_FLAGS} more flagged rows;
     * null when none qualifies.
     */
    static EntityRise worstEntityRise(String[] ctx, boolean[] champion, boolean[] challenger, double rateTol) {
        Map<String, int[]> counts = new LinkedHashMap<>(); // rows, champion flags, challenger flags
        for (int i = 0; i < ctx.length; i++) {
            int[] c = counts.computeIfAbsent(ctx[i], k -> new int[3]);
            c[0]++;
            c[1] += champion[i] ? 1 : 0;
            c[2] += challenger[i] ? 1 : 0;
        }
        EntityRise worst = null;
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            int[] c = e.getValue();
            if (c[0] < ENTITY_MIN_ROWS || c[2] - c[1] < ENTITY_MIN_EXTRA_FLAGS) {
                continue;
            }
            double q = Math.max(c[1], 1) / (double) c[0];
            EntityRise r = new EntityRise(e.getKey(), c[0], c[1], c[2], rateTol + 3 * Math.sqrt(q * (1 - q) / c[0]));
            if (worst == null || r.excess() > worst.excess()) {
                worst = r;
            }
        }
        return worst;
    }

    /**
     * Reconstruction error (RMSE of decode(μ(x)) standardized by the slice's own deviation, the
     * same yardstick for both models) over the rows not held out, and the share of all rows flagged
     * at the model's own threshold.
     */
    private static Gate gate(FastScorer s, double[][] slice, String[] ctx, boolean[] heldOut) {
        int d = s.inputDim();
        double[] mean = new double[d];
        double[] sd = new double[d];
        int normal = 0;
        for (int i = 0; i < slice.length; i++) {
            if (!heldOut[i]) {
                normal++;
                for (int j = 0; j < d; j++) {
                    mean[j] += slice[i][j];
                }
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= Math.max(1, normal);
        }
        for (int i = 0; i < slice.length; i++) {
            if (!heldOut[i]) {
                for (int j = 0; j < d; j++) {
                    sd[j] += (slice[i][j] - mean[j]) * (slice[i][j] - mean[j]) / Math.max(1, normal);
                }
            }
        }
        FastScorer.Scratch scratch = s.newScratch();
        float[] row = new float[d];
        double sq = 0;
        int flagged = 0;
        boolean[] flags = new boolean[slice.length];
        for (int i = 0; i < slice.length; i++) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) slice[i][j];
            }
            double score = s.score(row, ctx == null ? 0 : s.contextSlot(ctx[i]), scratch);
            if (s.isAnomaly(score)) {
                flagged++;
                flags[i] = true;
            }
            for (int j = 0; j < d && !heldOut[i]; j++) {
                double e = (slice[i][j] - scratch.expected[j]) / Math.max(Math.sqrt(sd[j]), 1e-9);
                sq += e * e;
            }
        }
        return new Gate(Math.sqrt(sq / ((double) Math.max(1, normal) * d)), (double) flagged / slice.length, flags);
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

}
