package io.latentstream.cli;

import io.latentstream.model.Direction;
import io.latentstream.model.TrainOptions;
import picocli.CommandLine.Option;

/** Training settings shared by {@code train} and {@code evaluate --train-and-evaluate}. */
public final class TrainingFlags {
    private static final TrainOptions D = TrainOptions.defaults();

    @Option(names = "--beta", paramLabel = "BETA", description = "Weight of the KL term (β-VAE). Default: ${DEFAULT-VALUE}.", defaultValue = "0.01")
    double beta = D.beta();

    @Option(names = "--epochs", paramLabel = "N", description = "Maximum epochs; early stopping on the validation split usually ends sooner. Default: ${DEFAULT-VALUE}.",
            defaultValue = "200")
    int epochs = D.maxEpochs();

    @Option(names = "--patience", paramLabel = "EPOCHS", description = "Epochs without validation improvement before stopping. Default: ${DEFAULT-VALUE}.",
            defaultValue = "12")
    int patience = D.patience();

    @Option(names = "--batch-size", paramLabel = "N", description = "Rows per gradient step (0 = rows/100, clamped to 32..256). Default: ${DEFAULT-VALUE}.", defaultValue = "0")
    int batchSize = D.batchSize();

    @Option(names = "--learning-rate", paramLabel = "RATE", description = "Adam learning rate. Default: ${DEFAULT-VALUE}.", defaultValue = "0.003")
    double learningRate = D.learningRate();

    @Option(names = "--latent", paramLabel = "K", description = "Latent size (0 = ceil(d/4), at least 2). Default: ${DEFAULT-VALUE}.", defaultValue = "0")
    int latent;

    @Option(names = "--hidden", split = ",", paramLabel = "N",
            description = "Encoder hidden sizes, decoder mirrored (default: max(16,2d),max(8,d)).")
    int[] hidden;

    @Option(names = "--input-clip", paramLabel = "SIGMAS", description = "Standardized inputs are clipped to ±SIGMAS before "
            + "the network: values further out than that (in training deviations) are reconstructed, and so decoded, as if at the "
            + "clip. A lower clip makes training less sensitive to extreme readings; the score always uses the unclipped value. "
            + "Default: ${DEFAULT-VALUE}.", defaultValue = "100")
    double inputClip = D.inputClip();

    @Option(names = "--validation-fraction", paramLabel = "FRACTION", description = "Share of rows held out for early stopping and the threshold. Default: ${DEFAULT-VALUE}.",
            defaultValue = "0.15")
    double validationFraction = D.validationFraction();

    @Option(names = "--seed", paramLabel = "N", description = "Random seed; same seed and data give the same model. Default: ${DEFAULT-VALUE}.", defaultValue = "42")
    long seed = D.seed();

    @Option(names = "--trim", paramLabel = "FRACTION", description = "Robust training: share of the highest-loss rows of each "
            + "batch left out of the loss, then a refit without the rows the robust model finds far out (0 = off). "
            + "Default: 0.1, or 0 when the rows are known to be normal (--exclude-labelled-anomalies, protocol A).")
    Double trim;

    @Option(names = "--quantile", paramLabel = "Q", description = "Threshold = this quantile of validation scores. Default: ${DEFAULT-VALUE}.", defaultValue = "0.99")
    double quantile = D.quantile();

    @Option(names = "--direction", paramLabel = "above|below|both", description = "Flag scores above the threshold, below the low threshold, or both. Default: ${DEFAULT-VALUE}.",
            defaultValue = "above")
    String direction = "above";

    @Option(names = "--sensitivity", paramLabel = "S", description = "Flag when score > threshold / sensitivity (2 = twice as sensitive). Default: ${DEFAULT-VALUE}.",
            defaultValue = "1.0")
    double sensitivity = D.sensitivity();

    @Option(names = "--global-normalization", description = "Conditional models: one standardization for all contexts "
            + "instead of one per context.")
    boolean globalNormalization;

    @Option(names = "--no-feature-weighting", description = "Score the plain mean squared standardized residual instead of "
            + "weighting each feature by its typical residual.")
    boolean noFeatureWeighting;

    /** @param knownNormal the training rows are labelled normal: robust training is off unless --trim is given */
    TrainOptions toOptions(boolean knownNormal) {
        double trimFraction = trim != null ? trim : knownNormal ? 0.0 : D.trimFraction();
        try {
            return new TrainOptions(beta, epochs, patience, batchSize, learningRate, validationFraction, false, seed, trimFraction,
                    D.contextDropout(), !globalNormalization, quantile, Direction.parse(direction), sensitivity,
                    !noFeatureWeighting, latent, hidden, inputClip, D.newContextMinRows());
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
    }
}
