package io.latentstream.cli;

import io.latentstream.codec.InputFormat;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.ops.HangingTransactions;
import io.latentstream.ops.Meters;
import io.latentstream.topology.ModelRef;
import io.latentstream.topology.ProcessorRuntime;
import io.latentstream.topology.Topics;
import io.latentstream.ops.OpsHttpServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code latentstream run}: the stream processor. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the stream processor (Kafka Streams): parse each record of the input topic, score it with "
                + "the model, and write a latent frame to <prefix>.latents, a score record to <prefix>.scores, flagged "
                + "ones to <prefix>.anomalies, sampled normal ones to <prefix>.samples and bad ones (original bytes + "
                + "reason headers) to <prefix>.dlq. exactly_once_v2 by default. Runs until SIGTERM / Ctrl-C."},
        footer = {"", "Example:", "  latentstream run --config app.properties --set model.path=model.lsb",
            "  (app.properties: bootstrap.servers=broker:9092, input.topic=sensors, input.format=json)"})
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = Cli.config(spec);
        String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, "run");
        String modelPath = cfg.getString(Settings.MODEL_PATH);
        PrintWriter out = spec.commandLine().getOut();
        ModelRef model = new ModelRef();
        Topics topics = Topics.from(cfg);
        if (modelPath != null && !modelPath.isBlank()) {
            ModelBundle bundle = Cli.loadBundle(Path.of(modelPath));
            if (!bundle.manifest().name().equals(cfg.getString(Settings.MODEL_NAME))) {
                throw new UsageError("bundle " + modelPath + " is model '" + bundle.manifest().name() + "' but model.name is '"
                        + cfg.getString(Settings.MODEL_NAME) + "'");
            }
            FastScorer scorer = new FastScorer(bundle);
            model.set(scorer);
            out.printf(Locale.ROOT, "model %s v%d from %s: %d features%s, latent %d, threshold %.4f%n", bundle.manifest().name(),
                    bundle.version(), modelPath, scorer.inputDim(), scorer.conditional() ? " (conditional)" : "", scorer.latentDim(),
                    scorer.threshold());
        }
        out.printf(Locale.ROOT, "reading %s (%s), guarantee %s; following model '%s' on %s; scoring kernel %s%n", topics.input(),
                InputFormat.parse(cfg.getString(Settings.INPUT_FORMAT)).id(), cfg.getString(Settings.PROCESSING_GUARANTEE),
                cfg.getString(Settings.MODEL_NAME), topics.models(), FastScorer.kernelName());
        out.flush();
        Meters meters = Meters.prometheus();
        java.util.concurrent.atomic.AtomicReference<ProcessorRuntime> running = new java.util.concurrent.atomic.AtomicReference<>();
        OpsHttpServer http = startHttp(cfg, meters, () -> running.get(), model, out);
        ProcessorRuntime runtime;
        try {
            runtime = ProcessorRuntime.startWatching(cfg, bootstrap, model, meters, msg -> {
                out.println(msg);
                out.flush();
            });
        } catch (Exception | Error e) {
            if (http != null) {
                http.close();
            }
            throw e;
        }
        running.set(runtime);
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            // Said, so an operator reading the log of a stopped pod knows it stopped cleanly or not.
            long t0 = System.nanoTime();
            out.println("stopping: closing the stream threads (their open transaction commits or aborts) ...");
            out.flush();
            runtime.close();
            if (http != null) {
                http.close();
            }
            out.printf(Locale.ROOT, "processor stopped in %.1f s, state %s%s%n", (System.nanoTime() - t0) / 1e9, runtime.state(),
                    runtime.state() == KafkaStreams.State.NOT_RUNNING ? "" : " (not closed within 30 s: the group notices when "
                            + "its session times out)");
            out.flush();
        }, "run-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long lastIn = 0;
        long lastAt = System.nanoTime();
        long notRunningSince = -1;
        long lastHangingCheck = 0;
        while (!stop.await(10, TimeUnit.SECONDS)) {
            if (!runtime.healthy()) {
                out.println("processor stopped in state " + runtime.state());
                out.flush();
                return ExitCodes.RUNTIME_FAILURE;
            }
            long in = meters.recordsIn();
            long now = System.nanoTime();
            KafkaStreams.State state = runtime.state();
            if (state == KafkaStreams.State.RUNNING) {
                notRunningSince = -1;
            } else if (notRunningSince < 0) {
                notRunningSince = now;
            } else if (now - notRunningSince > STUCK_AFTER_NANOS && now - lastHangingCheck > STUCK_AFTER_NANOS) {
                lastHangingCheck = now;
                reportHanging(cfg, bootstrap, (now - notRunningSince) / 60_000_000_000L, out);
            }
            out.printf(Locale.ROOT, "%s | model v%d | %.0f rec/s | in %,d scored %,d dead-lettered %,d anomalies %,d%n", state,
                    runtime.model().current().version(), (in - lastIn) / ((now - lastAt) / 1e9), in, meters.scoredCount(),
                    meters.deadLetteredCount(), meters.anomalyCount());
            out.flush();
            lastIn = in;
            lastAt = now;
        }
        return ExitCodes.OK;
    }

    /** A rebalance takes seconds; this long out of RUNNING is worth a look for a hanging transaction. */
    private static final long STUCK_AFTER_NANOS = TimeUnit.MINUTES.toNanos(3);

    /**
     * A processor whose committed offsets sit behind a hanging transaction waits in REBALANCING for
     * ever, and Kafka Streams only says that offsets "could not be determined": name the cause and
     * the remedy. Aborting is left to the operator (`topics hanging --abort`).
     */
    private static void reportHanging(AppConfig cfg, String bootstrap, long minutes, PrintWriter out) {
        try (Admin admin = TopicsCommand.admin(cfg, bootstrap, Duration.ofSeconds(15))) {
            HangingTransactions finder = new HangingTransactions(admin, Duration.ofSeconds(15));
            List<HangingTransactions.Hanging> found = finder.find(
                    finder.partitionsOf(TopicsCommand.scopeTopics(cfg), TopicsCommand.scopeGroups(cfg)), Duration.ofMinutes(15));
            if (!found.isEmpty()) {
                out.println("error: not RUNNING for " + minutes + " min: " + found.size() + " partition(s) hold a hanging "
                        + "transaction that Kafka will never close (after a broker crash, KAFKA-20734), e.g. "
                        + found.get(0).describe() + ". `latentstream topics hanging --abort` (same config) aborts them; "
                        + "the processor then carries on by itself.");
                out.flush();
            }
        } catch (Exception e) {
            LOG.debug("hanging-transaction check failed", e);
        }
    }

    /** The HTTP server of the processor, or null when http.port is -1. */
    static OpsHttpServer startHttp(AppConfig cfg, Meters meters, java.util.function.Supplier<ProcessorRuntime> runtime, ModelRef model,
                                   PrintWriter out) {
        int port = cfg.getInt(Settings.HTTP_PORT);
        if (port < 0) {
            return null;
        }
        OpsHttpServer http = new OpsHttpServer(cfg.getString(Settings.HTTP_BIND_ADDRESS), port,
                (io.micrometer.prometheusmetrics.PrometheusMeterRegistry) meters.registry(),
                () -> ProcessorRuntime.status(runtime, model, cfg.getString(Settings.MODEL_NAME)));
        out.println("http: /metrics /health /ready on " + cfg.getString(Settings.HTTP_BIND_ADDRESS) + ":" + http.port());
        out.flush();
        return http;
    }

}
