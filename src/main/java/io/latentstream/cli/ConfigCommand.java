package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code latentstream config show|keys}: the effective settings, validated, secrets masked. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Show the effective configuration or the list of settings.",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Keys.class})
public final class ConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return Cli.usage(spec);
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Validate and print the effective settings with where each value came from; "
                    + "password-like values print as [hidden].",
            footer = {"", "Example:", "  latentstream config show --config app.yaml --set topic.prefix=plant7"})
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            AppConfig cfg = Cli.config(spec);
            spec.commandLine().getOut().print(cfg.describe());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "keys", mixinStandardHelpOptions = true,
            description = "Print every setting with type, default, allowed values and description (Markdown).",
            footer = {"", "Example:", "  latentstream config keys"})
    static final class Keys implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(Settings.markdownTable());
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}
