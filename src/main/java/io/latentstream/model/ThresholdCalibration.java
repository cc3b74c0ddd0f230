package io.latentstream.model;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A new version of a model with the same weights and another threshold: what an operator publishes
 * when the model is right but flags too much (or too little) for the alerting behind it. Either the
 * threshold is calibrated on scores of recent live records so that a chosen share of them would be
 * flagged (and the bundle's quantile says so, so the retrainer keeps that rate retrain after
 * retrain), or only the sensitivity changes (kept by retrains as well).
 */
public final class ThresholdCalibration {
    /** Key of the training window's note that says this version's threshold was set, not trained. */
    public static final String WINDOW_NOTE = "threshold";

    private ThresholdCalibration() {
    }

    /**
     * {@code active} as version {@code version} (parent: the active version), its thresholds set so that
     * a share {@code rate} of {@code scores} is flagged under its direction (above: the upper tail;
     * below: the lower tail; both: half of it in each), sensitivity 1.
     *
     * @param scores scores of live records by {@code active}, any order; not modified
     * @param note   where the scores came from, kept in the training window under {@link #WINDOW_NOTE}
     */
    public static ModelBundle calibrated(ModelBundle active, double[] scores, double rate, long version, Instant now, String note) {
        if (!(rate > 0 && rate <= 0.5)) {
            throw new IllegalArgumentException("the share to flag must be above 0 and at most 50%, not " + rate);
        }
        if (scores.length == 0) {
            throw new IllegalArgumentException("no scores to calibrate on");
        }
        Manifest m = active.manifest();
        Direction direction = Direction.parse(m.scoring().direction());
        double quantile = 1 - (direction == Direction.BOTH ? rate / 2 : rate);
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        double upper = VaeTrainer.quantile(sorted, quantile);
        double lower = VaeTrainer.quantile(sorted, 1 - quantile);
        Manifest.ScoringSpec scoring = new Manifest.ScoringSpec(upper, lower, quantile, m.scoring().direction(), 1.0,
                m.scoring().featureWeights());
        ModelBundle next = copy(active, scoring, version, now, note);
        Map<String, Double> validation = new LinkedHashMap<>(next.manifest().validation());
        // What the parent's validation said of its own threshold no longer holds: these are now of the live scores.
        validation.put("threshold", upper);
        validation.put("anomaly_rate", (double) flagged(next, scores) / scores.length);
        return new ModelBundle(next.manifest().withValidation(validation), next.weights());
    }

    /** {@code active} as version {@code version} with another sensitivity (flag when score > threshold / sensitivity). */
    public static ModelBundle withSensitivity(ModelBundle active, double sensitivity, long version, Instant now, String note) {
        if (!(sensitivity > 0 && Double.isFinite(sensitivity))) {
            throw new IllegalArgumentException("sensitivity must be above 0, not " + sensitivity);
        }
        Manifest.ScoringSpec s = active.manifest().scoring();
        return copy(active, new Manifest.ScoringSpec(s.threshold(), s.lowThreshold(), s.quantile(), s.direction(), sensitivity,
                s.featureWeights()), version, now, note);
    }

    /** The upper threshold above which a share {@code rate} of {@code sorted} (ascending) lies: what --rate sets for direction above. */
    public static double upperFor(double[] sorted, double rate) {
        return VaeTrainer.quantile(sorted, 1 - rate);
    }

    /** How many of {@code scores} the model flags, under its direction, thresholds and sensitivity. */
    public static long flagged(ModelBundle b, double[] scores) {
        FastScorer s = new FastScorer(b);
        long n = 0;
        for (double x : scores) {
            if (s.isAnomaly(x)) {
                n++;
            }
        }
        return n;
    }

    private static ModelBundle copy(ModelBundle active, Manifest.ScoringSpec scoring, long version, Instant now, String note) {
        Manifest m = active.manifest();
        Manifest.TrainingSpec t = m.training();
        Map<String, String> window = new LinkedHashMap<>(t.window() == null ? Map.of() : t.window());
        window.put(WINDOW_NOTE, note);
        Manifest.TrainingSpec training = new Manifest.TrainingSpec(t.source(), window, t.sampleCount(), t.validationCount(),
                t.seed(), t.epochs(), t.batchSize(), t.learningRate(), t.beta(), t.trimFraction(), t.durationSeconds());
        Manifest next = new Manifest(m.name(), version, m.version(), now.toString(), m.features(), m.context(), m.architecture(),
                m.normalization(), scoring, training, m.validation(), m.libraries());
        return new ModelBundle(next, active.weights());
    }
}
