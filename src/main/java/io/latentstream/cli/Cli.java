package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import picocli.CommandLine.Model.CommandSpec;

/** Small helpers shared by commands. */
final class Cli {
    private Cli() {
    }

    /** The configuration from the (inherited) options of the top command, validated. */
    static AppConfig config(CommandSpec spec) {
        CommandSpec root = spec;
        while (root.parent() != null) {
            root = root.parent();
        }
        return ((LatentstreamCommand) root.userObject()).config.load();
    }
}
