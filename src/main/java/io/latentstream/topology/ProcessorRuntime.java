package io.latentstream.topology;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelWatcher;
import io.latentstream.ops.Meters;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A running processor: the topology in a {@link KafkaStreams} instance, with topics checked before
 * start and a dead stream thread replaced instead of killing the instance.
 */
public final class ProcessorRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessorRuntime.class);

    private final KafkaStreams streams;
    private final boolean staticMember;
    private final Meters meters;
    private final ModelWatcher watcher;
    private final ModelRef model;

    private ProcessorRuntime(KafkaStreams streams, Meters meters, ModelWatcher watcher, ModelRef model, AppConfig cfg) {
        this.streams = streams;
        this.staticMember = staticMember(cfg);
        this.meters = meters;
        this.watcher = watcher;
        this.model = model;
    }

    /**
     * Starts the model watcher on the models topic, waits for a valid model when none is loaded
     * yet (consuming nothing meanwhile), then starts the processor.
     *
     * @param waiting called every few seconds while no model is available (for a status line)
     */
    public static ProcessorRuntime startWatching(AppConfig cfg, String bootstrap, ModelRef model, Meters meters,
                                                 java.util.function.Consumer<String> waiting) throws Exception {
        Topics t = Topics.from(cfg);
        checkTopics(cfg, bootstrap, t);
        ModelWatcher watcher = new ModelWatcher(bootstrap, cfg.kafkaClientOverrides(), t.models(), cfg.getString(Settings.MODEL_NAME),
                cfg.getInt(Settings.MODEL_MAX_BYTES), model, meters).start();
        try {
            watcher.awaitCaughtUp(Duration.ofSeconds(30));
            long since = System.nanoTime();
            while (model.current() == null) {
                if (System.nanoTime() - since > 5_000_000_000L) {
                    waiting.accept("no valid model '" + cfg.getString(Settings.MODEL_NAME) + "' yet on " + t.models()
                            + ": not ready, consuming nothing (publish one with `latentstream models publish`)");
                    since = System.nanoTime();
                }
                Thread.sleep(100);
            }
            Settings.stuckIgnore(cfg, model.current().bundle().features()); // the starting model: fail now, naming the key
            meters.activeModel(model.current().version());
            meters.calibration(1 - model.current().bundle().manifest().scoring().quantile(), model.current().threshold());
            return new ProcessorRuntime(startStreams(cfg, bootstrap, model, meters), meters, watcher, model, cfg);
        } catch (Exception | Error e) {
            watcher.close();
            throw e;
        }
    }

    /** Checks the topics, builds and starts the processor. */
    public static ProcessorRuntime start(AppConfig cfg, String bootstrap, ModelRef model, Meters meters) throws Exception {
        checkTopics(cfg, bootstrap, Topics.from(cfg));
        if (model.current() != null) {
            Settings.stuckIgnore(cfg, model.current().bundle().features());
        }
        return new ProcessorRuntime(startStreams(cfg, bootstrap, model, meters), meters, null, model, cfg);
    }

    private static KafkaStreams startStreams(AppConfig cfg, String bootstrap, ModelRef model, Meters meters) {
        Properties props = StreamsSettings.from(cfg, bootstrap);
        KafkaStreams streams = new KafkaStreams(TopologyFactory.build(cfg, model, meters), props);
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed; replacing it", e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.PENDING_ERROR) {
                LOG.warn("processor state {} -> {}", before, now);
            } else if (now == KafkaStreams.State.RUNNING) {
                LOG.info("processor state {} -> RUNNING", before); // partitions assigned, scoring
            } else {
                LOG.debug("processor state {} -> {}", before, now);
            }
        });
        if (meters.registry() != null) {
            new io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics(streams).bindTo(meters.registry());
        }
        streams.start();
        return streams;
    }

    private static void checkTopics(AppConfig cfg, String bootstrap, Topics t) throws Exception {
        Map<String, Object> props = new java.util.HashMap<>(cfg.kafkaClientOverrides());
        props.put("bootstrap.servers", bootstrap);
        props.putIfAbsent("default.api.timeout.ms", 30_000);
        try (Admin admin = Admin.create(props)) {
            Set<String> existing = admin.listTopics().names().get(60, TimeUnit.SECONDS);
            List<String> missing = new ArrayList<>();
            for (String name : List.of(t.latents(), t.scores(), t.anomalies(), t.samples(), t.dlq(), t.models())) {
                if (!existing.contains(name)) {
                    missing.add(name);
                }
            }
            if (!existing.contains(t.input()) && t.ownInput()) {
                // `topics apply` does not create a topic input.topic names: it is the user's.
                throw new IllegalStateException("input topic " + t.input() + " (input.topic) does not exist: create it where "
                        + "your producers write, or leave input.topic empty to read the plan's " + t.raw()
                        + (missing.isEmpty() ? "" : "; topics missing too: " + missing + " (`latentstream topics apply`)"));
            }
            if (!existing.contains(t.input())) {
                missing.add(0, t.input());
            }
            if (!missing.isEmpty()) {
                // An authorizer hides the topics a principal may not describe: from here they look missing.
                throw new IllegalStateException("topics missing: " + missing + " (create them with `latentstream topics apply`; "
                        + "if they exist, this principal is not allowed to see them: the ACLs it needs are printed by "
                        + "`latentstream acls --role processor --principal <it>`)");
            }
        }
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public Meters meters() {
        return meters;
    }

    /** Alive: not failed and not shut down. */
    public boolean healthy() {
        KafkaStreams.State s = streams.state();
        return s != KafkaStreams.State.ERROR && s != KafkaStreams.State.PENDING_ERROR && s != KafkaStreams.State.NOT_RUNNING;
    }

    /** What /health and /ready of a processor report; the runtime may still be starting (null). */
    public static io.latentstream.ops.OpsHttpServer.Status status(java.util.function.Supplier<ProcessorRuntime> runtime, ModelRef model,
                                                                  String modelName) {
        return new io.latentstream.ops.OpsHttpServer.Status() {
            @Override
            public boolean healthy() {
                ProcessorRuntime rt = runtime.get();
                return rt == null || rt.healthy(); // waiting for a model is alive, not dead
            }

            @Override
            public boolean ready() {
                ProcessorRuntime rt = runtime.get();
                return rt != null && rt.ready();
            }

            @Override
            public Map<String, Object> details() {
                ProcessorRuntime rt = runtime.get();
                Map<String, Object> d = new java.util.LinkedHashMap<>();
                d.put("state", rt == null ? "WAITING_FOR_MODEL" : rt.state().name());
                d.put("model_name", modelName);
                d.put("model_version", model.current() == null ? null : model.current().version());
                return d;
            }
        };
    }

    /** The model currently scoring (null only before the first one). */
    public ModelRef model() {
        return model;
    }

    /** Ready: RUNNING and a model loaded. */
    public boolean ready() {
        return streams.state() == KafkaStreams.State.RUNNING && model.current() != null;
    }

    /** Whether the user made the stream threads static group members (group.instance.id, with any client prefix). */
    static boolean staticMember(AppConfig cfg) {
        return cfg.kafkaOverrides().keySet().stream().anyMatch(k -> k.equals("group.instance.id") || k.endsWith(".group.instance.id"));
    }

    /**
     * Closes the stream threads (committing or aborting their transactions). A stopping instance
     * leaves the consumer group, so its partitions move to the other instances, or back to it when it
     * restarts, at once: Kafka Streams' default with the classic protocol stays in the group and
     * leaves them idle until session.timeout.ms (45 s) runs out. Static members (group.instance.id)
     * keep their place, which is what static membership is for.
     */
    @Override
    public void close() {
        streams.close(CloseOptions.groupMembershipOperation(staticMember
                ? CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP
                : CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(Duration.ofSeconds(30)));
        if (watcher != null) {
            watcher.close();
        }
    }
}
