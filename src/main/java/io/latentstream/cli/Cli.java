package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import picocli.CommandLine.Model.CommandSpec;

/** Small helpers shared by commands. */
final class Cli {
    private Cli() {
    }

    /** Reads and fully verifies a bundle file; a refused or unreadable bundle is a usage error naming why. */
    static io.latentstream.model.ModelBundle loadBundle(java.nio.file.Path path) {
        try {
            return io.latentstream.model.BundleCodec.read(path);
        } catch (io.latentstream.model.BundleException e) {
            throw new UsageError("model bundle " + path + " refused: " + e.getMessage());
        } catch (java.io.IOException e) {
            throw new UsageError("cannot read model bundle " + path + ": " + e.getMessage());
        }
    }

    /** What a parent command does when called without a subcommand: usage on stderr, exit 2. */
    static int usage(picocli.CommandLine.Model.CommandSpec spec) {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
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
