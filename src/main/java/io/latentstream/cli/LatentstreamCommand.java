package io.latentstream.cli;

import io.latentstream.config.ConfigError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** The top command: {@code latentstream <subcommand>}. */
@Command(name = "latentstream", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Kafka-native compression and anomaly scoring of numeric streams with a variational autoencoder.",
            "",
            "Quick start: latentstream demo    (embedded Kafka broker, synthetic sensors, live progress)"},
        subcommands = {DemoCommand.class, RunCommand.class, RetrainCommand.class, ModelsCommand.class, DecodeCommand.class, DlqCommand.class, ScoresCommand.class, StatusCommand.class, TrainCommand.class, EvaluateCommand.class, ScoreCommand.class, GenerateCommand.class, BenchCommand.class, TopicsCommand.class, AclsCommand.class, ConfigCommand.class, BrokerCommand.class,
            CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.",
            "Settings: see README (Configuration) or `latentstream config show`."})
public final class LatentstreamCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() {
        config.load(); // a bad --config fails here too, naming the key
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    /** The configured command line, with our exit codes and error messages. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new LatentstreamCommand());
        cl.setExecutionExceptionHandler(LatentstreamCommand::handleExecutionException);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return ExitCodes.USAGE;
        });
        return cl;
    }

    private static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        if (ex instanceof ConfigError || ex instanceof UsageError) {
            err.println("error: " + ex.getMessage());
            err.flush();
            return ExitCodes.USAGE;
        }
        StringBuilder msg = new StringBuilder("error: ").append(describe(ex));
        boolean kafkaTimeout = isTimeout(ex);
        for (Throwable c = ex.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            msg.append("\n  caused by: ").append(describe(c));
            kafkaTimeout |= isTimeout(c);
        }
        if (kafkaTimeout) {
            // Kafka's own words ("Timed out waiting for a node assignment", or none from a future) do not say what to check.
            msg.append("\n  hint: the Kafka cluster did not answer in time. Check bootstrap.servers (each host:port "
                    + "reachable from here), the listeners the brokers advertise, and kafka.security.protocol / "
                    + "kafka.sasl.* for a secured cluster");
        }
        err.println(msg);
        if (System.getenv("LATENTSTREAM_DEBUG") != null) {
            ex.printStackTrace(err);
        } else {
            err.println("(set LATENTSTREAM_DEBUG=1 for the stack trace)");
        }
        err.flush();
        return ExitCodes.RUNTIME_FAILURE;
    }

    /** Kafka's client timeout, or a wait on an admin future: every network wait of these commands is on Kafka. */
    private static boolean isTimeout(Throwable t) {
        return t instanceof org.apache.kafka.common.errors.TimeoutException || t instanceof java.util.concurrent.TimeoutException;
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
