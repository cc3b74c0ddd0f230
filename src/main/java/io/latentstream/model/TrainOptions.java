package io.latentstream.model;

/**
 * Training settings. {@link #defaults()} are the documented defaults; every field can be changed
 * with the {@code with...} methods or from the CLI.
 *
 * @param beta             weight of the KL term (β-VAE)
 * @param maxEpochs        upper bound on epochs (early stopping usually ends sooner)
 * @param patience         epochs without validation improvement before stopping
 * @param batchSize        rows per gradient step; 0 = rows/100 clamped to 32..256
 * @param learningRate     Adam learning rate
 * @param validationFraction share of rows held out for early stopping and calibration
 * @param tailValidation   hold out the newest rows (stream windows) instead of a random sample
 * @param seed             random seed: same seed + same data give the same model
 * @param trimFraction     robust training: share of highest-loss rows of each batch left out of the loss
 * @param contextDropout   share of rows trained with the unknown context slot (so it learns a context-blind model)
 * @param perContextNormalization standardize each context with its own statistics (conditional models)
 * @param quantile         threshold = this quantile of validation scores
 * @param direction        above | below | both
 * @param sensitivity      threshold multiplier (flag when score > threshold / sensitivity)
 * @param featureWeighting weight each feature's squared residual by 1 / its mean on training rows
 * @param latentDim        latent size, or 0 for ceil(d/4)
 * @param hidden           encoder hidden sizes (decoder mirrored), or null for the defaults
 * @param inputClip        standardized inputs are clipped to ±this before the network (see {@link Architecture#DEFAULT_INPUT_CLIP})
 * @param newContextMinRows warm start of a conditional model: a context the parent does not know gets its own slot
 *                         once the training rows hold this many of its rows (0: never; new contexts keep the unknown slot)
 */
public record TrainOptions(double beta, int maxEpochs, int patience, int batchSize, double learningRate,
                           double validationFraction, boolean tailValidation, long seed, double trimFraction,
                           double contextDropout, boolean perContextNormalization, double quantile,
                           Direction direction, double sensitivity, boolean featureWeighting, int latentDim,
                           int[] hidden, double inputClip, int newContextMinRows) {
    public TrainOptions {
        check(beta >= 0 && Double.isFinite(beta), "beta must be >= 0");
        check(maxEpochs >= 1 && maxEpochs <= 100_000, "epochs must be 1..100000");
        check(patience >= 1, "patience must be >= 1");
        check(batchSize >= 0 && batchSize <= 1 << 16, "batch size must be 0 (auto) or 1..65536");
        check(learningRate > 0 && learningRate < 1, "learning rate must be in (0, 1)");
        check(validationFraction > 0 && validationFraction < 0.9, "validation fraction must be in (0, 0.9)");
        check(trimFraction >= 0 && trimFraction < 0.5, "trim fraction must be in [0, 0.5)");
        check(contextDropout >= 0 && contextDropout < 1, "context dropout must be in [0, 1)");
        check(quantile > 0.5 && quantile < 1, "quantile must be in (0.5, 1)");
        check(sensitivity > 0, "sensitivity must be > 0");
        check(latentDim >= 0, "latent size must be >= 0");
        check(inputClip > 0 && Double.isFinite(inputClip), "input clip must be > 0");
        check(newContextMinRows >= 0, "new context minimum rows must be >= 0");
        hidden = hidden == null ? null : hidden.clone();
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static TrainOptions defaults() {
        return new TrainOptions(0.01, 200, 12, 0, 3e-3, 0.15, false, 42, 0.1, 0.1, true, 0.99,
                Direction.ABOVE, 1.0, true, 0, null, Architecture.DEFAULT_INPUT_CLIP, 0);
    }

    public TrainOptions withBeta(double v) {
        return new TrainOptions(v, maxEpochs, patience, batchSize, learningRate, validationFraction, tailValidation,
                seed, trimFraction, contextDropout, perContextNormalization, quantile, direction, sensitivity,
                featureWeighting, latentDim, hidden, inputClip, newContextMinRows);
    }

    public TrainOptions withEpochs(int v) {
        return new TrainOptions(beta, v, patience, batchSize, learningRate, validationFraction, tailValidation,
                seed, trimFraction, contextDropout, perContextNormalization, quantile, direction, sensitivity,
                featureWeighting, latentDim, hidden, inputClip, newContextMinRows);
    }

    public TrainOptions withSeed(long v) {
        return new TrainOptions(beta, maxEpochs, patience, batchSize, learningRate, validationFraction, tailValidation,
                v, trimFraction, contextDropout, perContextNormalization, quantile, direction, sensitivity,
                featureWeighting, latentDim, hidden, inputClip, newContextMinRows);
    }

    public TrainOptions withTrimFraction(double v) {
        return new TrainOptions(beta, maxEpochs, patience, batchSize, learningRate, validationFraction, tailValidation,
                seed, v, contextDropout, perContextNormalization, quantile, direction, sensitivity,
                featureWeighting, latentDim, hidden, inputClip, newContextMinRows);
    }

    public TrainOptions withArchitecture(int latent, int[] hiddenSizes) {
        return new TrainOptions(beta, maxEpochs, patience, batchSize, learningRate, validationFraction, tailValidation,
                seed, trimFraction, contextDropout, perContextNormalization, quantile, direction, sensitivity,
                featureWeighting, latent, hiddenSizes, inputClip, newContextMinRows);
    }

    public TrainOptions withBatch(int batch, double lr) {
        return new TrainOptions(beta, maxEpochs, patience, batch, lr, validationFraction, tailValidation,
                seed, trimFraction, contextDropout, perContextNormalization, quantile, direction, sensitivity,
                featureWeighting, latentDim, hidden, inputClip, newContextMinRows);
    }

    public TrainOptions withScoring(double q, Direction dir, double sens) {
        return new TrainOptions(beta, maxEpochs, patience, batchSize, learningRate, validationFraction, tailValidation,
                seed, trimFraction, contextDropout, perContextNormalization, q, dir, sens,
                featureWeighting, latentDim, hidden, inputClip, newContextMinRows);
    }

    public TrainOptions withValidation(double fraction, boolean tail) {
        return new TrainOptions(beta, maxEpochs, patience, batchSize, learningRate, fraction, tail,
                seed, trimFraction, contextDropout, perContextNormalization, quantile, direction, sensitivity,
                featureWeighting, latentDim, hidden, inputClip, newContextMinRows);
    }

    public TrainOptions withInputClip(double v) {
        return new TrainOptions(beta, maxEpochs, patience, batchSize, learningRate, validationFraction, tailValidation,
                seed, trimFraction, contextDropout, perContextNormalization, quantile, direction, sensitivity,
                featureWeighting, latentDim, hidden, v, newContextMinRows);
    }

    public TrainOptions withNewContextMinRows(int v) {
        return new TrainOptions(beta, maxEpochs, patience, batchSize, learningRate, validationFraction, tailValidation,
                seed, trimFraction, contextDropout, perContextNormalization, quantile, direction, sensitivity,
                featureWeighting, latentDim, hidden, inputClip, v);
    }

    /** The batch size for this many training rows. */
    public int batchFor(int rows) {
        return batchSize > 0 ? batchSize : Math.max(32, Math.min(256, rows / 100));
    }

    /** The architecture for this input: explicit sizes where given, else the defaults. */
    public Architecture architectureFor(int inputDim, int contextWidth) {
        Architecture def = Architecture.defaults(inputDim, contextWidth);
        int k = latentDim > 0 ? latentDim : def.latentDim();
        int[] enc = hidden != null ? hidden : def.encoderHidden();
        int[] dec = new int[enc.length];
        for (int i = 0; i < enc.length; i++) {
            dec[i] = enc[enc.length - 1 - i];
        }
        return new Architecture(inputDim, contextWidth, enc, k, dec, def.leak(), inputClip);
    }
}
