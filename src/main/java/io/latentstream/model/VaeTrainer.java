package io.latentstream.model;

import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * Trains a VAE (or a CVAE when the data carries contexts) with DL4J SameDiff and returns a
 * calibrated {@link ModelBundle}: standardization from the training rows, early stopping on a
 * validation split, robust (trimmed) loss, threshold at a quantile of validation scores.
 *
 * <p>Deterministic: the same seed and data give the same weights (initialization, shuffling and
 * noise come from seeded Java RNGs; run with OMP_NUM_THREADS=1).
 */
public final class VaeTrainer {
    private VaeTrainer() {
    }

    /**
     * A warm start refits a context's statistics only from this many of its training rows; below it the
     * slot keeps the parent's (the mean of 30 rows is within ~0.2 standard deviations, of 5 within ~0.45).
     */
    public static final int WARM_START_REFIT_MIN_ROWS = 30;

    /** Called after every epoch, and once when robust training starts its refit. */
    public interface Progress {
        void epoch(int epoch, int maxEpochs, double trainLoss, double validationLoss, boolean improved, double elapsedSeconds);

        /** The refit phase starts: its validation loss is the plain mean over the inlier rows, not the trimmed mean, so it jumps. */
        default void refit(int keptRows, int excludedRows, double validationLoss) {
        }
    }

    /** Identity and provenance of the bundle to produce. */
    public record Identity(String name, long version, Long parent, Map<String, String> window) {
    }

    public static ModelBundle train(TrainingData data, TrainOptions o, Identity id, ModelBundle warmStart, Progress progress) {
        long t0 = System.nanoTime();
        int n = data.rows();
        int d = data.dim();
        // Split: newest rows (stream windows) or a seeded random sample.
        int nVal = n - trainingPart(n, o.validationFraction());
        if (n - nVal < 2) {
            throw new IllegalArgumentException("need at least 3 rows to train, got " + n);
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random split = new Random(o.seed() ^ 0x5EEDL);
        if (!o.tailValidation()) {
            shuffle(order, split);
        }
        // Context vocabulary: slot 0 = unknown, slot i+1 = vocabulary[i].
        List<String> vocabulary = null;
        int[] slots = null;
        int addedContexts = 0;
        if (data.contexts() != null) {
            if (warmStart != null && warmStart.conditional()) {
                // A warm start keeps the parent's slots in order and appends the contexts it has enough rows of
                // to train (rows only in the validation part would leave a slot untrained).
                List<String> parent = warmStart.manifest().context().vocabulary();
                String[] trainingContexts = Arrays.stream(order, 0, n - nVal).mapToObj(i -> data.contexts()[i]).toArray(String[]::new);
                List<String> added = newContexts(parent, trainingContexts, o.newContextMinRows());
                vocabulary = new ArrayList<>(parent);
                vocabulary.addAll(added);
                addedContexts = added.size();
            } else {
                vocabulary = new ArrayList<>(new TreeSet<>(Arrays.stream(data.contexts()).filter(Objects::nonNull).toList()));
            }
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < vocabulary.size(); i++) {
                index.put(vocabulary.get(i), i + 1);
            }
            slots = new int[n];
            for (int i = 0; i < n; i++) {
                slots[i] = index.getOrDefault(data.contexts()[i], 0);
            }
        }
        int contextWidth = vocabulary == null ? 0 : vocabulary.size() + 1;
        Architecture arch = warmStart != null ? warmStart.architecture().withContextWidth(warmStart.architecture().contextWidth() + addedContexts)
                : o.architectureFor(d, contextWidth);
        if (arch.inputDim() != d || arch.contextWidth() != contextWidth) {
            throw new IllegalArgumentException("warm start model has architecture " + arch + " but the data has "
                    + d + " features and " + contextWidth + " context slots");
        }

        // Held-out rows (flagged by the live model) are never trained on; those in the validation part
        // only calibrate the threshold (see calibrationScores).
        int[] trainIdx = Arrays.stream(order, 0, n - nVal).filter(i -> !data.isHeldOut(i)).toArray();
        int[] valIdx = Arrays.stream(order, n - nVal, n).filter(i -> !data.isHeldOut(i)).toArray();
        int[] heldOutValIdx = Arrays.stream(order, n - nVal, n).filter(data::isHeldOut).toArray();
        if (trainIdx.length < 2 || valIdx.length < 1) {
            throw new IllegalArgumentException("need at least 3 rows that are not held out to train, got "
                    + data.trainableRows() + " (" + trainIdx.length + " to train on, " + valIdx.length + " to validate)");
        }

        double[][] trainX = select(data.x(), trainIdx);
        int[] trainSlots = slots == null ? null : selectInt(slots, trainIdx);
        Normalization norm = Normalization.fit(trainX, trainSlots, Math.max(1, contextWidth),
                o.perContextNormalization() && contextWidth > 0, 5);
        int[] slotRows = trainSlots == null ? null : Normalization.rowsPerSlot(trainSlots, Math.max(1, contextWidth));
        if (warmStart != null) {
            norm = norm.keepingSparseSlots(warmStart.normalization(), slotRows, WARM_START_REFIT_MIN_ROWS);
        }

        float clip = (float) arch.inputClip();
        float[][] xsTrain = standardize(trainX, trainSlots, norm, clip);
        float[][] xsTrainGlobal = trainSlots != null && norm.rows() > 1 ? standardize(trainX, null, norm, clip) : xsTrain;
        double[][] valX = select(data.x(), valIdx);
        int[] valSlots = slots == null ? null : selectInt(slots, valIdx);
        float[][] xsVal = standardize(valX, valSlots, norm, clip);

        float[] init = warmStart != null ? withContextSlots(warmStart.architecture(), warmStart.weights(), addedContexts)
                : VaeGraph.initialWeights(arch, o.seed());
        VaeGraph g = VaeGraph.build(arch, init, o.beta());
        List<String> featureMapping = new ArrayList<>(List.of("x"));
        if (contextWidth > 0) {
            featureMapping.add("c");
        }
        featureMapping.add("eps");
        featureMapping.add("w");
        g.sd.setTrainingConfig(TrainingConfig.builder()
                .updater(new Adam(o.learningRate()))
                .dataSetFeatureMapping(featureMapping)
                .markLabelsUnused()
                .build());

        int batch = o.batchFor(trainIdx.length);
        int k = arch.latentDim();
        Rehearsal rehearsal = warmStart != null && trainSlots != null && norm.rows() > 1
                ? Rehearsal.of(warmStart, slotRows, trainSlots.length, norm, clip, o.seed()) : Rehearsal.NONE;
        float[][] fitX = rehearsal.append(xsTrain);
        int[] fitSlots = rehearsal.appendSlots(trainSlots);
        Fit fit = new Fit(g, o, fitX, xsTrainGlobal, fitSlots, xsTrain.length, xsVal, valSlots, contextWidth, k, batch, progress, t0);
        fit.run(init);
        float[] best = fit.best;
        g.setWeights(best);
        double valRec = meanOutput(g, xsVal, valSlots, contextWidth, k, "rec");
        double valKl = meanOutput(g, xsVal, valSlots, contextWidth, k, "kl");

        // Calibrate: per-feature error weights from training rows, threshold from validation rows.
        Manifest.ContextSpec ctx = vocabulary == null ? null : new Manifest.ContextSpec(data.contextColumn(), List.copyOf(vocabulary));
        Manifest.ArchitectureSpec archSpec = new Manifest.ArchitectureSpec("leakyrelu", arch.encoderHidden(),
                arch.latentDim(), arch.decoderHidden(), arch.leak(), arch.inputClip());
        Manifest.NormalizationSpec normSpec = new Manifest.NormalizationSpec(norm.rows() > 1 ? "per-context" : "global",
                norm.mean(), norm.scale());
        Map<String, String> libraries = new LinkedHashMap<>();
        libraries.put("latentstream", String.valueOf(VaeTrainer.class.getPackage().getImplementationVersion()));
        libraries.put("dl4j", "1.0.0-M2.1");
        libraries.put("java", Runtime.version().toString());
        Manifest.TrainingSpec trainingSpec = new Manifest.TrainingSpec(data.source(), id.window() == null ? Map.of() : id.window(),
                trainIdx.length, valIdx.length, o.seed(), fit.epochsRun, batch, o.learningRate(), o.beta(),
                o.trimFraction(), (System.nanoTime() - t0) / 1e9);
        Manifest.ScoringSpec unweighted = new Manifest.ScoringSpec(0, 0, o.quantile(), o.direction().id(), o.sensitivity(), null);
        Manifest draft = new Manifest(id.name(), id.version(), id.parent(), Instant.now().toString(), data.features(), ctx,
                archSpec, normSpec, unweighted, trainingSpec, Map.of(), libraries);
        ModelBundle draftBundle = new ModelBundle(draft, best);

        float[] featureWeights = null;
        if (o.featureWeighting()) {
            featureWeights = featureWeights(new FastScorer(draftBundle), trainX, trainSlots, norm, o.trimFraction());
        }
        FastScorer weighted = new FastScorer(new ModelBundle(draft.withScoring(
                new Manifest.ScoringSpec(0, 0, o.quantile(), o.direction().id(), o.sensitivity(), featureWeights)), best));
        double[] valScores = weighted.scoreAll(valX, valSlots);
        double[] heldOutScores = weighted.scoreAll(select(data.x(), heldOutValIdx),
                slots == null ? null : selectInt(slots, heldOutValIdx));
        double[] calibrationScores = calibrationScores(valScores, heldOutScores, o);
        double[] sortedScores = calibrationScores.clone();
        Arrays.sort(sortedScores);
        // Data may hold anomalies. Without a live model's flags, calibrate on the validation scores
        // inside a far-out fence (Tukey, on log scores) so a contaminated slice does not lift the
        // threshold over them. With them, calibrationScores has already taken the presumed anomalies
        // out, and the fence would only cut normal tail rows (0.1–0.2% of them: as many more false alarms).
        double[] calibration = heldOutValIdx.length > 0 ? sortedScores : withinFence(sortedScores);
        double upper = quantile(calibration, o.quantile());
        double lower = quantile(calibration, 1 - o.quantile());
        double nrmse = nrmse(weighted, valX, valSlots, norm);
        Map<String, Double> validation = new LinkedHashMap<>();
        validation.put("loss", fit.bestVal);
        validation.put("excluded_rows", (double) fit.excluded);
        if (rehearsal.slots.length > 0) {
            validation.put("rehearsal_rows", (double) rehearsal.slots.length);
            validation.put("rehearsed_contexts", (double) Arrays.stream(rehearsal.slots).distinct().count());
        }
        validation.put("reconstruction", valRec);
        validation.put("kl", valKl);
        validation.put("nrmse", nrmse);
        validation.put("score_p50", quantile(sortedScores, 0.5));
        validation.put("threshold", upper);
        validation.put("anomaly_rate", (double) Arrays.stream(calibrationScores).filter(s -> s > upper).count()
                / calibrationScores.length);
        if (heldOutValIdx.length > 0) {
            validation.put("held_out_rows", (double) heldOutValIdx.length);
            validation.put("presumed_anomalies", (double) (valScores.length + heldOutScores.length - calibrationScores.length));
        }
        // Latent statistics of the validation rows: the reference of the retrainer's latent drift check.
        double[][] latentStats = latentStats(weighted, valX, valSlots);
        for (int i = 0; i < latentStats[0].length; i++) {
            validation.put("latent_mean_" + i, latentStats[0][i]);
            validation.put("latent_var_" + i, latentStats[1][i]);
        }
        Manifest.ScoringSpec scoring = new Manifest.ScoringSpec(upper, lower, o.quantile(), o.direction().id(),
                o.sensitivity(), featureWeights);
        Manifest manifest = new Manifest(id.name(), id.version(), id.parent(), Instant.now().toString(), data.features(),
                ctx, archSpec, normSpec, scoring, trainingSpec, validation, libraries);
        return new ModelBundle(manifest, best);
    }

    /**
     * How many of {@code n} rows train when {@code validationFraction} of them validate (at least one
     * validates). With tail validation these are the oldest rows, so the retrainer's window can tell
     * which samples a challenger trains on before it trains.
     */
    public static int trainingPart(int n, double validationFraction) {
        return n - Math.max(1, (int) Math.round(n * validationFraction));
    }

    /**
     * The contexts of {@code contexts} (the training rows) that {@code known} lacks and that have at
     * least {@code minRows} rows, most rows first (ties by name), as many as the architecture's context
     * limit leaves room for; none when {@code minRows} is 0. A warm start appends them to its parent's
     * vocabulary, and the retrainer trains on their flagged samples (scored by the unknown slot, not
     * against their own normal), so both ask here.
     */
    public static List<String> newContexts(List<String> known, String[] contexts, int minRows) {
        if (minRows <= 0 || contexts == null) {
            return List.of();
        }
        Set<String> knownSet = new HashSet<>(known);
        Map<String, Integer> counts = new HashMap<>();
        for (String c : contexts) {
            if (c != null && !knownSet.contains(c)) {
                counts.merge(c, 1, Integer::sum);
            }
        }
        int room = Architecture.MAX_CONTEXT_WIDTH - 1 - known.size();
        return counts.entrySet().stream().filter(e -> e.getValue() >= minRows)
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(Math.max(0, room)).map(Map.Entry::getKey).toList();
    }

    /**
     * A parent's weights with {@code added} context slots appended. Each new slot starts as a copy of
     * the unknown slot (slot 0): the entity starts from the model that scored it so far, and its own
     * rows move it from there. Every other weight is the parent's.
     */
    static float[] withContextSlots(Architecture parent, float[] weights, int added) {
        if (added == 0) {
            return weights;
        }
        Architecture grown = parent.withContextWidth(parent.contextWidth() + added);
        float[] out = new float[Math.toIntExact(grown.weightCount())];
        List<Architecture.Layer> from = parent.layers();
        List<Architecture.Layer> to = grown.layers();
        for (int l = 0; l < from.size(); l++) {
            Architecture.Layer a = from.get(l);
            Architecture.Layer b = to.get(l);
            System.arraycopy(weights, a.weightOffset(), out, b.weightOffset(), a.in() * a.out());
            int unknownRow = a.in() - parent.contextWidth(); // context rows come last; slot 0 first
            for (int r = a.in(); r < b.in(); r++) {
                System.arraycopy(weights, a.weightOffset() + unknownRow * a.out(), out, b.weightOffset() + r * b.out(), b.out());
            }
            System.arraycopy(weights, a.biasOffset(), out, b.biasOffset(), a.out());
        }
        return out;
    }

    /**
     * Rehearsal for a warm start: a known entity the window holds too few rows of to relearn (fewer than
     * {@link #WARM_START_REFIT_MIN_ROWS}) would still be forgotten, because every retrain moves the
     * weights all entities share; it comes back from maintenance to a model that flags its normal
     * readings. Such a slot gets rows the parent generates for it (z ~ N(0, I) decoded with its context),
     * up to the median row count of the well-sampled slots, at most about as many in all as the real
     * training rows (when capped, each slot gets its share, rounded at random). They only train:
     * validation, calibration and the gate see real rows only.
     */
    record Rehearsal(float[][] x, int[] slots) {
        static final Rehearsal NONE = new Rehearsal(new float[0][], new int[0]);

        /** {@code counts}: the real training rows per slot ({@link Normalization#rowsPerSlot}), {@code realRows} in all. */
        static Rehearsal of(ModelBundle parent, int[] counts, int realRows, Normalization norm, float clip, long seed) {
            int known = parent.manifest().context().vocabulary().size();
            int[] wellSampled = IntStream.rangeClosed(1, known).map(sl -> counts[sl])
                    .filter(c -> c >= WARM_START_REFIT_MIN_ROWS).sorted().toArray();
            if (wellSampled.length == 0) {
                return NONE;
            }
            int target = wellSampled[wellSampled.length / 2];
            long want = 0;
            for (int sl = 1; sl <= known; sl++) {
                want += counts[sl] < WARM_START_REFIT_MIN_ROWS ? target - counts[sl] : 0;
            }
            if (want == 0) {
                return NONE;
            }
            double share = Math.min(1.0, realRows / (double) want);
            FastScorer gen = new FastScorer(parent);
            FastScorer.Scratch scratch = gen.newScratch();
            Random rnd = new Random(seed ^ 0x4E4EA25EL);
            int d = norm.dim();
            List<double[]> raws = new ArrayList<>();
            List<Integer> sl = new ArrayList<>();
            float[] z = new float[gen.latentDim()];
            float[] raw = new float[d];
            for (int slot = 1; slot <= known; slot++) {
                if (counts[slot] >= WARM_START_REFIT_MIN_ROWS) {
                    continue;
                }
                // Rounded at random so a capped budget spread over many slots stays the budget.
                double due = (target - counts[slot]) * share;
                int rows = (int) due + (rnd.nextDouble() < due - Math.floor(due) ? 1 : 0);
                for (int r = 0; r < rows; r++) {
                    for (int i = 0; i < z.length; i++) {
                        z[i] = (float) rnd.nextGaussian();
                    }
                    gen.decode(z, slot, raw, scratch);
                    double[] row = new double[d];
                    for (int j = 0; j < d; j++) {
                        row[j] = raw[j];
                    }
                    raws.add(row);
                    sl.add(slot);
                }
            }
            int[] slots = sl.stream().mapToInt(Integer::intValue).toArray();
            return new Rehearsal(standardize(raws.toArray(double[][]::new), slots, norm, clip), slots);
        }

        float[][] append(float[][] real) {
            if (x.length == 0) {
                return real;
            }
            float[][] all = Arrays.copyOf(real, real.length + x.length);
            System.arraycopy(x, 0, all, real.length, x.length);
            return all;
        }

        int[] appendSlots(int[] real) {
            if (slots.length == 0 || real == null) {
                return real;
            }
            int[] all = Arrays.copyOf(real, real.length + slots.length);
            System.arraycopy(slots, 0, all, real.length, slots.length);
            return all;
        }
    }

    /**
     * The training loop over a built graph: epochs of mini-batch Adam steps; after each epoch the
     * validation loss decides early stopping and whether its weights become {@link #best}.
     *
     * <p>Phase 1 trains with the per-batch trimmed loss (robust to a contaminated window). Phase 2
     * (only when trimming) drops the rows the robust model finds far out (log loss beyond Q3 + 3 IQR
     * over all training rows) and refits on the rest without trimming, so hard but normal rows are
     * learned again. Phase 1's early stopping uses the trimmed mean validation loss, phase 2's the
     * mean over the validation rows inside the same fence.
     */
    private static final class Fit {
        private final VaeGraph g;
        private final TrainOptions o;
        private final float[][] xsTrain;
        private final float[][] xsTrainGlobal;
        private final int[] trainSlots;
        private final int realRows;
        private final float[][] xsVal;
        private final int[] valSlots;
        private final int contextWidth;
        private final int d;
        private final int k;
        private final int batch;
        private final Random rnd;
        private final Progress progress;
        private final long t0;

        float[] best;
        double bestVal = Double.POSITIVE_INFINITY;
        int epochsRun;
        int excluded;

        Fit(VaeGraph g, TrainOptions o, float[][] xsTrain, float[][] xsTrainGlobal, int[] trainSlots, int realRows, float[][] xsVal,
            int[] valSlots, int contextWidth, int k, int batch, Progress progress, long t0) {
            this.g = g;
            this.o = o;
            this.xsTrain = xsTrain;
            this.xsTrainGlobal = xsTrainGlobal;
            this.trainSlots = trainSlots;
            this.realRows = realRows;
            this.xsVal = xsVal;
            this.valSlots = valSlots;
            this.contextWidth = contextWidth;
            this.d = xsTrain[0].length;
            this.k = k;
            this.batch = batch;
            this.rnd = new Random(o.seed());
            this.progress = progress;
            this.t0 = t0;
        }

        void run(float[] init) {
            best = init.clone();
            boolean robust = o.trimFraction() > 0;
            epochs(IntStream.range(0, xsTrain.length).toArray(), robust, null);
            if (!robust) {
                return;
            }
            g.setWeights(best);
            float[] all = perRowAll(g, xsTrain, trainSlots, contextWidth, k);
            // The fence comes from the real rows: rehearsal rows (after them) are the parent's own output, easy to
            // reconstruct, and would pull it in over hard but normal real rows.
            float[] sortedAll = Arrays.copyOf(all, realRows);
            Arrays.sort(sortedAll);
            double fence = farOutFence(sortedAll);
            int[] inliers = IntStream.range(0, all.length).filter(i -> all[i] <= fence).toArray();
            excluded = all.length - inliers.length;
            float[] valLosses = perRowAll(g, xsVal, valSlots, contextWidth, k);
            boolean[] valInlier = new boolean[valLosses.length];
            for (int i = 0; i < valLosses.length; i++) {
                valInlier[i] = valLosses[i] <= fence;
            }
            // Phase 2 measures on the inlier validation rows; it must beat phase 1 on them to count.
            bestVal = maskedMean(valLosses, valInlier);
            if (progress != null) {
                progress.refit((int) Arrays.stream(inliers).filter(i -> i < realRows).count(), excluded, bestVal);
            }
            epochs(inliers, false, valInlier);
        }

        /**
         * Epochs over {@code trainOrder} (shuffled in place) until {@link TrainOptions#patience()}
         * epochs pass without improvement or the epoch budget (shared by both phases) is spent.
         * Validation loss: the mean over {@code valInlier} when given, else the trimmed mean.
         */
        private void epochs(int[] trainOrder, boolean trimBatches, boolean[] valInlier) {
            int sinceBest = 0;
            for (int epoch = 1; epoch <= o.maxEpochs() && epochsRun < o.maxEpochs(); epoch++) {
                shuffle(trainOrder, rnd);
                double lossSum = 0;
                int batches = 0;
                for (int start = 0; start < trainOrder.length; start += batch) {
                    int m = Math.min(batch, trainOrder.length - start);
                    if (m < 2 && trainOrder.length >= 2) {
                        continue; // a lone leftover row is noise for Adam; it is in the next shuffle
                    }
                    for (float v : step(trainOrder, start, m, trimBatches, batches == 0 && epochsRun == 0)) {
                        lossSum += v / m;
                    }
                    batches++;
                }
                float[] valRows = perRowAll(g, xsVal, valSlots, contextWidth, k);
                double valLoss = valInlier == null ? trimmedMean(valRows, o.trimFraction()) : maskedMean(valRows, valInlier);
                boolean improved = Double.isInfinite(bestVal) ? Double.isFinite(valLoss) : valLoss < bestVal - 1e-6 * Math.abs(bestVal);
                if (improved) {
                    bestVal = valLoss;
                    best = g.weights();
                    sinceBest = 0;
                } else {
                    sinceBest++;
                }
                epochsRun++;
                if (progress != null) {
                    progress.epoch(epochsRun, o.maxEpochs(), lossSum / Math.max(1, batches), valLoss, improved,
                            (System.nanoTime() - t0) / 1e9);
                }
                if (!Double.isFinite(valLoss)) {
                    throw new IllegalStateException("training diverged at epoch " + epoch + " (validation loss " + valLoss
                            + "); try a smaller learning rate");
                }
                if (sinceBest >= o.patience()) {
                    return;
                }
            }
        }

        /**
         * One Adam step on the rows {@code trainOrder[start, start + m)}; returns their per-row loss
         * before the step. With {@code trim} the highest-loss rows of the batch are left out of the loss.
         */
        private float[] step(int[] trainOrder, int start, int m, boolean trim, boolean first) {
            float[] xb = new float[m * d];
            float[] cb = contextWidth > 0 ? new float[m * contextWidth] : null;
            for (int r = 0; r < m; r++) {
                int row = trainOrder[start + r];
                // A rehearsal row trains its own slot only: its entity is absent from the window whose global statistics
                // the unknown slot is refit on, so it would sit far out there and drag the shared weights (with it the
                // challenger's error on the real rows was 4-12% above the champion's, without it -1% to +4%).
                boolean dropContext = contextWidth > 0 && row < realRows && rnd.nextDouble() < o.contextDropout();
                float[] src = dropContext ? xsTrainGlobal[row] : xsTrain[row];
                System.arraycopy(src, 0, xb, r * d, d);
                if (cb != null) {
                    cb[r * contextWidth + (dropContext ? 0 : trainSlots[row])] = 1f;
                }
            }
            INDArray x = Nd4j.create(xb, new long[] {m, d}, DataType.FLOAT);
            INDArray c = cb == null ? null : Nd4j.create(cb, new long[] {m, contextWidth}, DataType.FLOAT);
            float[] perRow = perRow(g, x, c, m, k);
            float[] wRow = new float[m];
            if (trim && m >= 10) {
                // The trimmed share is of the real rows: rehearsal rows are the parent's own output, never far
                // out, and would otherwise push the whole cut onto the real ones.
                int real = 0;
                float[] sorted = new float[m];
                for (int r = 0; r < m; r++) {
                    if (trainOrder[start + r] < realRows) {
                        sorted[real++] = perRow[r];
                    }
                }
                Arrays.sort(sorted, 0, real);
                int keep = real == 0 ? 0 : Math.max(1, real - (int) Math.floor(real * o.trimFraction()));
                float cut = keep == 0 ? Float.NEGATIVE_INFINITY : sorted[keep - 1];
                int kept = 0;
                int keptReal = 0;
                for (int r = 0; r < m; r++) {
                    boolean isReal = trainOrder[start + r] < realRows;
                    if (!isReal || (keptReal < keep && perRow[r] <= cut)) {
                        wRow[r] = 1f;
                        kept++;
                        keptReal += isReal ? 1 : 0;
                    }
                }
                for (int r = 0; r < m; r++) {
                    wRow[r] /= kept;
                }
            } else {
                Arrays.fill(wRow, 1f / m);
            }
            float[] epsData = new float[m * k];
            for (int i = 0; i < epsData.length; i++) {
                epsData[i] = (float) rnd.nextGaussian();
            }
            INDArray eps = Nd4j.create(epsData, new long[] {m, k}, DataType.FLOAT);
            INDArray w = Nd4j.create(wRow, new long[] {m, 1}, DataType.FLOAT);
            INDArray[] features = c == null ? new INDArray[] {x, eps, w} : new INDArray[] {x, c, eps, w};
            MultiDataSet mds = new MultiDataSet(features, new INDArray[0]);
            if (first) {
                quietly(() -> g.sd.fit(mds)); // SameDiff prints one line per op while it builds the gradient graph
            } else {
                g.sd.fit(mds);
            }
            return perRow;
        }
    }

    /**
     * The scores the threshold is calibrated on: the validation rows, and the held-out rows of the
     * same (newest) part less the presumed anomalies among them.
     *
     * <p>Why the held-out rows count: they are the rows the live model flagged, i.e. the normal tail
     * at its calibrated rate plus the real anomalies. Calibrating on the other rows alone puts the
     * new threshold at the q-quantile of data already cut at the old threshold, about the
     * (2q − 1)-quantile of normal data: every routine retrain would add another 1 − q to the
     * false-alarm rate (1% → 2% → 3% …). The live model is taken to be calibrated: of the M rows of this
     * part it flags (1 − q)·M of the normal ones (twice that for direction both); the flagged rows
     * beyond that are presumed anomalies, and the ones the new model finds farthest out leave the
     * calibration, the moderate ones as well as the gross ones (which the far-out fence used without
     * flags would catch, but the moderate ones would lift the threshold to them).
     */
    static double[] calibrationScores(double[] valScores, double[] heldOutScores, TrainOptions o) {
        if (heldOutScores.length == 0) {
            return valScores;
        }
        int m = valScores.length + heldOutScores.length;
        double tail = (1 - o.quantile()) * (o.direction() == Direction.BOTH ? 2 : 1);
        double expected = tail * m;
        double excess = heldOutScores.length - expected;
        // Only an excess beyond the count's own noise (two Poisson deviations) is taken for anomalies:
        // taking every chance excess would pull the threshold down a little at each retrain.
        int presumedAnomalies = excess > 2 * Math.sqrt(Math.max(expected, 1)) ? (int) Math.round(excess) : 0;
        // Farthest out first: highest score (above), lowest (below), farthest from the median in log (both).
        double center = Math.log(quantile(sortedCopy(valScores), 0.5) + 1e-12);
        Double[] byOutness = Arrays.stream(heldOutScores).boxed().sorted((a, b) -> Double.compare(
                outness(b, o.direction(), center), outness(a, o.direction(), center))).toArray(Double[]::new);
        double[] out = Arrays.copyOf(valScores, m - presumedAnomalies);
        for (int i = presumedAnomalies; i < byOutness.length; i++) {
            out[valScores.length + i - presumedAnomalies] = byOutness[i];
        }
        return out;
    }

    private static double outness(double score, Direction direction, double logCenter) {
        return switch (direction) {
            case ABOVE -> score;
            case BELOW -> -score;
            case BOTH -> Math.abs(Math.log(score + 1e-12) - logCenter);
        };
    }

    private static double[] sortedCopy(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s;
    }

    /**
     * Standardized values further out than this count in the feature weights as a residual of at
     * least their excess over it. The network (clipped at {@link Architecture#DEFAULT_INPUT_CLIP})
     * can fit a few far-out training values from memory, so their residual on the training rows
     * says nothing of a new row's: without this floor a heavy-tailed feature keeps a high weight and
     * a normal row with a new spike in it outscores real anomalies (digits, protocol A: ROC-AUC
     * 0.934 instead of 0.947).
     */
    static final double WEIGHT_TAIL_FENCE = 10;

    /**
     * Weight of feature j = 1 / mean squared standardized residual of j on the (untrimmed) training
     * rows, a value beyond {@link #WEIGHT_TAIL_FENCE} counting as at least its excess.
     */
    private static float[] featureWeights(FastScorer s, double[][] x, int[] slots, Normalization norm, double trim) {
        int d = s.inputDim();
        FastScorer.Scratch scratch = s.newScratch();
        double[][] contributions = new double[x.length][];
        double[] scores = new double[x.length];
        float[] row = new float[d];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) x[i][j];
            }
            int slot = slots == null ? 0 : slots[i];
            scores[i] = s.score(row, slot, scratch);
            contributions[i] = new double[d];
            int r = norm.row(slot);
            for (int j = 0; j < d; j++) {
                double excess = Math.max(0, Math.abs((x[i][j] - norm.mean(r, j)) / norm.scale(r, j)) - WEIGHT_TAIL_FENCE);
                contributions[i][j] = Math.max(scratch.contributions[j], excess * excess);
            }
        }
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        double cut = quantile(sorted, 1 - trim);
        double[] mean = new double[d];
        int count = 0;
        for (int i = 0; i < x.length; i++) {
            if (scores[i] <= cut) {
                count++;
                for (int j = 0; j < d; j++) {
                    mean[j] += contributions[i][j];
                }
            }
        }
        double avg = 0;
        for (int j = 0; j < d; j++) {
            mean[j] /= Math.max(1, count);
            avg += mean[j] / d;
        }
        float[] w = new float[d];
        for (int j = 0; j < d; j++) {
            // Floor: a feature the model reconstructs (almost) perfectly must not get an infinite weight.
            w[j] = (float) (1.0 / Math.max(mean[j], Math.max(1e-2 * avg, 1e-4)));
        }
        return w;
    }

    /** Mean and variance per latent dimension of μ(x) over the rows. */
    static double[][] latentStats(FastScorer s, double[][] x, int[] slots) {
        int k = s.latentDim();
        double[] sum = new double[k];
        double[] sq = new double[k];
        FastScorer.Scratch scratch = s.newScratch();
        float[] row = new float[s.inputDim()];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) x[i][j];
            }
            s.score(row, slots == null ? 0 : slots[i], scratch);
            for (int t = 0; t < k; t++) {
                sum[t] += scratch.latent[t];
                sq[t] += scratch.latent[t] * scratch.latent[t];
            }
        }
        double[][] out = new double[2][k];
        for (int t = 0; t < k; t++) {
            out[0][t] = sum[t] / x.length;
            out[1][t] = Math.max(sq[t] / x.length - out[0][t] * out[0][t], 1e-6);
        }
        return out;
    }

    /** RMSE of decode(μ(x)) against x on standardized features (the compression error). */
    static double nrmse(FastScorer s, double[][] x, int[] slots, Normalization norm) {
        FastScorer.Scratch scratch = s.newScratch();
        float[] row = new float[s.inputDim()];
        double sq = 0;
        long count = 0;
        for (int i = 0; i < x.length; i++) {
            int slot = slots == null ? 0 : slots[i];
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) x[i][j];
            }
            s.score(row, slot, scratch);
            int r = norm.row(slot);
            for (int j = 0; j < row.length; j++) {
                double e = (x[i][j] - scratch.expected[j]) / norm.scale(r, j);
                sq += e * e;
                count++;
            }
        }
        return Math.sqrt(sq / Math.max(1, count));
    }

    private static float[] perRow(VaeGraph g, INDArray x, INDArray c, int m, int k) {
        return output(g, x, c, m, k, "per_row");
    }

    /** One [rows, 1] output of the deterministic path (ε = 0) for a batch. */
    private static float[] output(VaeGraph g, INDArray x, INDArray c, int m, int k, String name) {
        Map<String, INDArray> ph = new HashMap<>();
        ph.put("x", x);
        if (c != null) {
            ph.put("c", c);
        }
        ph.put("eps", Nd4j.zeros(DataType.FLOAT, m, k));
        ph.put("w", Nd4j.ones(DataType.FLOAT, m, 1));
        return g.sd.output(ph, name).get(name).dup('c').data().asFloat();
    }

    /** One [rows, 1] output (per_row, rec or kl) of the deterministic path for every row, in batches. */
    private static float[] outputAll(VaeGraph g, float[][] xs, int[] slots, int contextWidth, int k, String name) {
        float[] out = new float[xs.length];
        int d = xs[0].length;
        for (int start = 0; start < xs.length; start += 4096) {
            int m = Math.min(4096, xs.length - start);
            float[] xb = new float[m * d];
            float[] cb = contextWidth > 0 ? new float[m * contextWidth] : null;
            for (int r = 0; r < m; r++) {
                System.arraycopy(xs[start + r], 0, xb, r * d, d);
                if (cb != null) {
                    cb[r * contextWidth + slots[start + r]] = 1f;
                }
            }
            INDArray c = cb == null ? null : Nd4j.create(cb, new long[] {m, contextWidth}, DataType.FLOAT);
            float[] part = output(g, Nd4j.create(xb, new long[] {m, d}, DataType.FLOAT), c, m, k, name);
            System.arraycopy(part, 0, out, start, m);
        }
        return out;
    }

    /** Deterministic (ε = 0) per-row loss of every row. */
    private static float[] perRowAll(VaeGraph g, float[][] xs, int[] slots, int contextWidth, int k) {
        return outputAll(g, xs, slots, contextWidth, k, "per_row");
    }

    static double maskedMean(float[] values, boolean[] keep) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < values.length; i++) {
            if (keep[i]) {
                sum += values[i];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Mean of the values without the highest {@code trim} share. */
    static double trimmedMean(float[] values, double trim) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        int keep = Math.max(1, sorted.length - (int) Math.floor(sorted.length * trim));
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            sum += sorted[i];
        }
        return sum / keep;
    }

    /** exp(Q3 + 3 IQR) of the log of sorted losses: beyond it a row is far out for this model. */
    static double farOutFence(float[] sortedLoss) {
        double[] logs = new double[sortedLoss.length];
        for (int i = 0; i < logs.length; i++) {
            logs[i] = Math.log(Math.max(sortedLoss[i], 1e-12f));
        }
        double q1 = quantile(logs, 0.25);
        double q3 = quantile(logs, 0.75);
        return Math.exp(q3 + 3 * (q3 - q1));
    }

    private static double meanOutput(VaeGraph g, float[][] xs, int[] slots, int contextWidth, int k, String output) {
        double sum = 0;
        for (float v : outputAll(g, xs, slots, contextWidth, k, output)) {
            sum += v;
        }
        return sum / xs.length;
    }

    /** Runs a call with System.out muted: SameDiff 1.0.0-M2.1 prints gradient construction to stdout. */
    private static synchronized void quietly(Runnable r) {
        java.io.PrintStream original = System.out;
        System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        try {
            r.run();
        } finally {
            System.setOut(original);
        }
    }

    static float[][] standardize(double[][] x, int[] slots, Normalization norm, float clip) {
        float[][] out = new float[x.length][];
        for (int i = 0; i < x.length; i++) {
            int row = norm.row(slots == null ? 0 : slots[i]);
            out[i] = new float[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                float v = (float) ((x[i][j] - norm.mean(row, j)) / norm.scale(row, j));
                out[i][j] = Math.max(-clip, Math.min(clip, v));
            }
        }
        return out;
    }

    /** The sorted scores whose log lies within Q3 + 3·IQR (and above Q1 − 3·IQR) of the log scores. */
    static double[] withinFence(double[] sorted) {
        if (sorted.length < 20) {
            return sorted;
        }
        double[] logs = new double[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            logs[i] = Math.log(sorted[i] + 1e-12);
        }
        double q1 = quantile(logs, 0.25);
        double q3 = quantile(logs, 0.75);
        double hi = q3 + 3 * (q3 - q1);
        double lo = q1 - 3 * (q3 - q1);
        return Arrays.stream(sorted).filter(v -> {
            double l = Math.log(v + 1e-12);
            return l <= hi && l >= lo;
        }).toArray();
    }

    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static void shuffle(int[] a, Random rnd) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static double[][] select(double[][] x, int[] idx) {
        double[][] out = new double[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            out[i] = x[idx[i]];
        }
        return out;
    }

    private static int[] selectInt(int[] x, int[] idx) {
        int[] out = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = x[idx[i]];
        }
        return out;
    }
}
