package io.latentstream.model;

import java.util.List;
import java.util.Map;

/**
 * The JSON manifest of a model bundle: identity, provenance and everything needed to rebuild the
 * network in code. Parsed strictly (unknown fields fail) by {@link BundleCodec}.
 *
 * @param name         model name (the key on the models topic)
 * @param version      monotonically increasing version, 1 for the first model
 * @param parent       version this one was warm-started from, or null
 * @param createdAt    ISO-8601 instant
 * @param features     feature names, in input order
 * @param context      context column and vocabulary for a conditional model, or null
 * @param architecture network shape
 * @param normalization standardization statistics (rows = 1 or context slots)
 * @param scoring      threshold, direction, sensitivity, per-feature error weights
 * @param training     provenance of the training run
 * @param validation   validation metrics (loss, reconstruction, kl, nrmse, anomaly rate, ...)
 * @param libraries    library versions that produced the bundle
 */
public record Manifest(String name, long version, Long parent, String createdAt, List<String> features,
                       ContextSpec context, ArchitectureSpec architecture, NormalizationSpec normalization,
                       ScoringSpec scoring, TrainingSpec training, Map<String, Double> validation,
                       Map<String, String> libraries) {

    /** Context of a conditional model: slot 0 is "unknown", slot i+1 is vocabulary[i]. */
    public record ContextSpec(String column, List<String> vocabulary) {
    }

    public record ArchitectureSpec(String activation, int[] encoderHidden, int latentDim, int[] decoderHidden,
                                   double leak, double inputClip) {
    }

    public record NormalizationSpec(String mode, float[][] mean, float[][] scale) {
    }

    /**
     * @param threshold      upper score threshold (quantile of validation scores)
     * @param lowThreshold   lower threshold (quantile 1-q) used by direction below/both
     * @param quantile       the quantile the thresholds were calibrated at
     * @param direction      above | below | both
     * @param sensitivity    multiplier: flag when score > threshold / sensitivity (or < low * sensitivity)
     * @param featureWeights per-feature weight of the squared standardized residual
     */
    public record ScoringSpec(double threshold, double lowThreshold, double quantile, String direction,
                              double sensitivity, float[] featureWeights) {
    }

    /**
     * @param source       where the training rows came from (file path, or topic)
     * @param window       topic-partition offsets or row range of the training window
     * @param sampleCount  rows used for training (after the validation split)
     * @param seed         random seed
     */
    public record TrainingSpec(String source, Map<String, String> window, long sampleCount, long validationCount,
                               long seed, int epochs, int batchSize, double learningRate, double beta,
                               double trimFraction, double durationSeconds) {
    }

    /** This manifest with another version, parent and creation time (publishing a retrained copy). */
    public Manifest withIdentity(long newVersion, Long newParent, String newCreatedAt) {
        return new Manifest(name, newVersion, newParent, newCreatedAt, features, context, architecture, normalization,
                scoring, training, validation, libraries);
    }

    /** This manifest with other validation figures. */
    public Manifest withValidation(Map<String, Double> newValidation) {
        return new Manifest(name, version, parent, createdAt, features, context, architecture, normalization,
                scoring, training, newValidation, libraries);
    }

    /** This manifest with other scoring settings. */
    public Manifest withScoring(ScoringSpec newScoring) {
        return new Manifest(name, version, parent, createdAt, features, context, architecture, normalization,
                newScoring, training, validation, libraries);
    }
}
