package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import picocli.CommandLine.Option;

/** The --name option of the commands that address a model on the models topic (picocli mixin). */
final class ModelNameOption {
    @Option(names = "--name", paramLabel = "NAME",
            description = "Model name (the key on the models topic). Default: the model.name setting (default).")
    String name;

    /** --name, else the model.name setting: one name for the processor, the retrainer and these commands. */
    String resolve(AppConfig cfg) {
        return name != null ? name : cfg.getString(Settings.MODEL_NAME);
    }

    boolean given() {
        return name != null;
    }
}
