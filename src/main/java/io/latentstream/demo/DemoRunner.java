package io.latentstream.demo;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.latentstream.ops.OpsHttpServer;
import io.latentstream.retrain.RetrainService;
import io.latentstream.retrain.Retrainer;
import io.latentstream.topology.ModelRef;
import io.latentstream.topology.ProcessorRuntime;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import io.latentstream.topology.Topics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the demo: embedded broker, topic plan, a first model trained on the first minutes of the
 * synthetic stream, the processor, the live source, and a live view. Stops on Ctrl-C (shutdown
 * hook) or after the given duration, and always closes everything and deletes the broker's
 * temporary directory.
 */
public final class DemoRunner {
    /** Demo options from the command line. */
    public record Options(Duration duration, int rate, int entities, long seed, boolean tty, java.nio.file.Path replay) {
    }

    private final AppConfig baseConfig;
    private final Options opts;
    private final PrintWriter out;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch finished = new CountDownLatch(1);

    private int stuckReadings; // score.stuck.readings, for the summary

    public DemoRunner(AppConfig cfg, Options opts, PrintWriter out) {
        this.baseConfig = cfg;
        this.opts = opts;
        this.out = out;
    }

    /** Asks a running demo to stop (what Ctrl-C does). */
    public void stop() {
        running.set(false);
    }

    public int run() throws Exception {
        Thread hook = new Thread(() -> {
            stop();
            try {
                finished.await(60, TimeUnit.SECONDS); // let run() close the processor, the broker and its files
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long t0 = System.nanoTime();
        say("latentstream demo: starting an embedded Kafka broker (KRaft) on 127.0.0.1 ...");
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            say(String.format(Locale.ROOT, "broker ready at %s in %.1f s", kafka.bootstrapServers(), (System.nanoTime() - t0) / 1e9));
            Map<String, String> demo = new HashMap<>();
            demo.put(Settings.BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            demo.put(Settings.APPLICATION_ID, "latentstream-demo");
            demo.put(Settings.TOPIC_REPLICATION_FACTOR, "1"); // the demo owns its single broker
            // Demo time scale: sample more, and let the retrainer see drift within seconds, not minutes.
            demo.put(Settings.SAMPLES_FRACTION, "0.2");
            demo.put(Settings.RETRAIN_INTERVAL_MS, "0");
            demo.put(Settings.RETRAIN_DRIFT_WINDOW_MS, "15000");
            demo.put(Settings.RETRAIN_DRIFT_FACTOR, "10"); // the synthetic stream injects ~4% anomalies of its own
            demo.put(Settings.RETRAIN_DRIFT_DURATION_MS, "8000");
            demo.put(Settings.RETRAIN_WINDOW_MS, "25000");
            demo.put(Settings.RETRAIN_MIN_SAMPLES, "300");
            demo.put(Settings.RETRAIN_EPOCHS, "15");
            demo.put(Settings.HTTP_BIND_ADDRESS, "127.0.0.1"); // the demo serves on loopback only
            demo.put(Settings.HTTP_PORT, "0");
            demo.put(Settings.SCORES_ENABLED, "true"); // the demo page follows the scores topic
            demo.put(Settings.INPUT_MISSING_MAX, "1"); // a sensor drops out now and then: scored on the others
            if (opts.replay() == null) {
                // The synthetic sensors are noisy, so a value held for 10 readings is a stuck sensor; a replayed
                // file's may hold values legitimately (counts, rain at zero).
                demo.put(Settings.SCORE_STUCK_READINGS, "10");
            }
            AppConfig cfg = baseConfig.with(demo);
            stuckReadings = cfg.getInt(Settings.SCORE_STUCK_READINGS);
            String prefix = cfg.getString(Settings.TOPIC_PREFIX);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                TopicApplier.Report report = new TopicApplier(admin, 30_000)
                        .apply(TopicPlan.builtIn(), prefix, cfg.getInt(Settings.TOPIC_REPLICATION_FACTOR), false);
                say("topics: " + report.actions().size() + " created under prefix '" + prefix + "'");
            }
            DemoSource source = opts.replay() == null
                    ? DemoSource.synthetic(new SensorSimulator(opts.entities(), opts.seed(), 0.003, -1))
                    : DemoSource.replay(opts.replay());
            say("source: " + source.describe());
            ModelBundle bundle = trainFirstModel(source);
            if (!running.get()) {
                return 0;
            }
            // The model travels the way it does in production: published to the models topic, picked
            // up and verified by the processor's model watcher.
            new ModelPublisher(kafka.bootstrapServers(), cfg.kafkaClientOverrides(), Topics.from(cfg).models()).publish(bundle, "publish");
            say("published model " + bundle.manifest().name() + " v" + bundle.version() + " to " + prefix + ".models");
            Meters meters = Meters.prometheus();
            ModelRef model = new ModelRef();
            java.util.concurrent.atomic.AtomicReference<ProcessorRuntime> running = new java.util.concurrent.atomic.AtomicReference<>();
            try (OpsHttpServer http = new OpsHttpServer(cfg.getString(Settings.HTTP_BIND_ADDRESS), cfg.getInt(Settings.HTTP_PORT),
                    (PrometheusMeterRegistry) meters.registry(), () -> ProcessorRuntime.status(running::get, model, bundle.manifest().name()));
                 ProcessorRuntime processor = ProcessorRuntime.startWatching(cfg.with(Map.of(Settings.MODEL_NAME, bundle.manifest().name())),
                    kafka.bootstrapServers(), model, meters, this::say)) {
                running.set(processor);
                Map<String, SensorSimulator.Injected> labels = DemoMonitor.newLabelMap();
                DemoMonitor monitor = new DemoMonitor(kafka.bootstrapServers(), Topics.from(cfg).scores(), Topics.from(cfg).models(),
                        labels, new DemoTimeline(System.currentTimeMillis()));
                DemoPage.mount(http, monitor.timeline, monitor, meters, producedTotal::get);
                say("processor metrics and health: http://127.0.0.1:" + http.port() + "/metrics  /health  /ready");
                say("processor started (Kafka Streams, exactly_once_v2); "
                        + (source.isReplay() ? String.format(Locale.ROOT, "replaying the other %,d rows", replayRows)
                        : "streaming " + opts.entities() + " entities") + " at " + opts.rate() + " records/s into " + prefix + ".raw"
                        + (opts.duration() == null ? " (Ctrl-C to stop)"
                        : (source.isReplay() ? " for at most " : " for ") + opts.duration().toSeconds() + " s"));
                AppConfig named = cfg.with(Map.of(Settings.MODEL_NAME, bundle.manifest().name()));
                Retrainer retrainer = new Retrainer(named, kafka.bootstrapServers(), meters);
                try (RetrainService retrain = new RetrainService(named, kafka.bootstrapServers(), retrainer).start()) {
                    byte[] configured = RetrainService.token(cfg);
                    byte[] tokenBytes = configured != null ? configured : newToken().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    http.addRetrainEndpoint(tokenBytes, () -> {
                        if (retrainer.busy()) {
                            return OpsHttpServer.RetrainAnswer.BUSY;
                        }
                        retrain.request("retrain");
                        return OpsHttpServer.RetrainAnswer.ACCEPTED;
                    });
                    http.addRollbackEndpoint(tokenBytes, retrain::requestRollback);
                    // The generated token goes into the URL fragment, which the browser keeps to itself (as
                    // notebook servers do); a configured retrain.token is never printed.
                    say("live page: " + (configured != null ? "http://127.0.0.1:" + http.port() + "/  (the buttons ask for your retrain.token)"
                            : DemoPage.url(http.port(), new String(tokenBytes, java.nio.charset.StandardCharsets.US_ASCII))));
                    say("retrainer started (drift trigger: live anomaly rate > 10x calibrated for 8 s)"
                            + (source.isReplay() ? "" : "; one entity shifts level at 45 s"));
                    // The commands a user runs against their own cluster work on this broker too, while it lives.
                    String on = "-b " + kafka.bootstrapServers() + (cfg.sourceOf(Settings.TOPIC_PREFIX).equals("default") ? "" : " --set topic.prefix=" + prefix);
                    say("from another terminal while the demo runs: latentstream status " + on + " --set application.id="
                            + cfg.getString(Settings.APPLICATION_ID) + " --name " + bundle.manifest().name()
                            + "  (also: scores " + on + " --from 5m, dlq " + on + ", models list " + on + " --name " + bundle.manifest().name() + ")");
                    stream(kafka.bootstrapServers(), Topics.from(cfg), source, meters, model, monitor, labels);
                }
            }
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // Ctrl-C path: the hook is running and waits for the latch above
            }
        }
        say("demo stopped; processor and broker closed, temporary files deleted");
        return 0;
    }

    private void say(String line) {
        out.println(line);
        out.flush();
    }

    /** The first model: a conditional VAE (context = entity) on the first minutes of the stream. */
    private ModelBundle trainFirstModel(DemoSource source) {
        int want = opts.replay() == null ? Math.min(24_000, Math.max(6_000, opts.rate() * 60)) : -1;
        List<double[]> rows = new ArrayList<>();
        List<String> contexts = new ArrayList<>();
        if (want > 0) {
            for (int i = 0; i < want; i++) {
                SensorSimulator.Reading r = source.next();
                rows.add(r.values());
                contexts.add(r.entity());
            }
        } else {
            // Replay: the first 30% of the file trains the first model (protocol B); the rest is streamed.
            DemoSource counter = source;
            List<SensorSimulator.Reading> all = new ArrayList<>();
            for (SensorSimulator.Reading r = counter.next(); r != null; r = counter.next()) {
                all.add(r);
            }
            int cut = Math.max(10, all.size() * 3 / 10);
            for (int i = 0; i < cut; i++) {
                rows.add(all.get(i).values());
                contexts.add(all.get(i).entity());
            }
            replayRest = all.subList(cut, all.size()).iterator();
            replayRows = all.size() - cut;
            replayLabelled = source.labelledAnomaliesAfter(cut);
        }
        int n = rows.size();
        double[][] x = rows.toArray(new double[0][]);
        String[] ctx = source.contextColumn() == null ? null : contexts.toArray(new String[0]);
        say(String.format(Locale.ROOT, "training the first model: %s on the first %,d readings (%d features)",
                ctx == null ? "VAE" : "conditional VAE", n, source.features().size()));
        TrainOptions o = TrainOptions.defaults().withEpochs(40).withBatch(256, 3e-3).withSeed(opts.seed());
        long start = System.nanoTime();
        ModelBundle b = VaeTrainer.train(new TrainingData(source.features(), x, ctx, source.contextColumn(), source.describe()), o,
                new VaeTrainer.Identity("demo", 1, null, Map.of("source", "synthetic", "rows", "first " + n)), null,
                (epoch, max, loss, val, improved, elapsed) -> {
                    int filled = (int) Math.round(24.0 * epoch / max);
                    String line = String.format(Locale.ROOT, "  epoch %2d/%d [%s%s] loss %.3f val %.3f %4.0fs", epoch, max,
                            "#".repeat(filled), ".".repeat(24 - filled), loss, val, elapsed);
                    if (opts.tty()) {
                        out.print("\r" + line);
                        out.flush();
                    } else if (epoch % 5 == 0 || epoch == 1) {
                        say(line);
                    }
                });
        if (opts.tty()) {
            out.println();
        }
        say(String.format(Locale.ROOT, "model v%d ready in %.1f s: architecture %s, threshold %.3f, validation NRMSE %.3f",
                b.version(), (System.nanoTime() - start) / 1e9, b.architecture(), b.manifest().scoring().threshold(),
                b.manifest().validation().get("nrmse")));
        return b;
    }

    private java.util.Iterator<SensorSimulator.Reading> replayRest;
    private int replayRows;
    /** Labelled anomalies among the replayed rows (-1: not a replay). */
    private long replayLabelled = -1;
    private final AtomicLong producedTotal = new AtomicLong();

    /** 128 random bits, hex: the demo's control token when retrain.token is not set. */
    private static String newToken() {
        byte[] b = new byte[16];
        new java.security.SecureRandom().nextBytes(b);
        return java.util.HexFormat.of().formatHex(b);
    }

    private void stream(String bootstrap, Topics topics, DemoSource source, Meters meters, ModelRef model, DemoMonitor monitor,
                        Map<String, SensorSimulator.Injected> labels) throws InterruptedException {
        Map<String, Object> p = new HashMap<>(baseConfig.kafkaClientOverrides());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "latentstream-demo-source");
        // One request in flight: readings of an entity stay in order even across a retry, and a
        // batch refused by a partition whose leadership is still settling (fresh topics) cannot be
        // overtaken by a later one (which would leave it retrying OUT_OF_ORDER_SEQUENCE forever).
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        Thread monitorThread = new Thread(monitor, "demo-monitor");
        monitorThread.setDaemon(true);
        monitorThread.start();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Map<SensorSimulator.Injected, Long> injected = new EnumMap<>(SensorSimulator.Injected.class);
        long malformed = 0;
        long start = System.nanoTime();
        long end = opts.duration() == null ? Long.MAX_VALUE : start + opts.duration().toNanos();
        long levelShiftAt = (long) opts.rate() * 45; // a level shift of one entity after 45 s of live data
        DemoView view = new DemoView(out, opts.tty(), replayLabelled, source.hasEventTimes());
        long nextView = start;
        long produced = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            while (running.get() && System.nanoTime() < end) {
                long now = System.nanoTime();
                long due = (long) ((now - start) / 1e9 * opts.rate());
                while (produced < due && running.get()) {
                    String key;
                    String value;
                    SensorSimulator.Injected label;
                    if (produced % 2000 == 1999) {
                        // Now and then a malformed record, to show the dead-letter path.
                        key = "malformed";
                        value = produced % 4000 == 1999 ? "{\"features\":[1,2,3" : "[1,2,3]";
                        label = null;
                        malformed++;
                    } else {
                        SensorSimulator.Reading r = replayRest != null ? (replayRest.hasNext() ? replayRest.next() : null)
                                : produced == levelShiftAt ? source.nextWithLevelShift() : source.next();
                        if (r == null) {
                            say("replay finished");
                            running.set(false);
                            break;
                        }
                        key = r.entity();
                        // Now and then a normal reading without one of its sensors (null), scored on the others.
                        boolean dropout = produced % 500 == 250 && r.injected() == SensorSimulator.Injected.NONE;
                        value = dropout ? r.toJson((int) (produced / 500) % r.values().length) : r.toJson();
                        label = r.injected();
                        injected.merge(label, 1L, Long::sum);
                    }
                    SensorSimulator.Injected l = label;
                    producer.send(new ProducerRecord<>(topics.input(), key, value), (md, ex) -> {
                        if (ex == null) {
                            acked.incrementAndGet();
                            if (l != null) {
                                labels.put(md.partition() + "@" + md.offset(), l);
                            }
                        } else {
                            failed.incrementAndGet();
                        }
                    });
                    produced++;
                    producedTotal.set(produced);
                }
                if (now >= nextView) {
                    view.render((now - start) / 1e9, produced, acked.get(), meters, monitor, model.current());
                    nextView += TimeUnit.SECONDS.toNanos(1);
                }
                Thread.sleep(5);
            }
            producer.flush();
            producer.close(Duration.ofSeconds(10));
        }
        // Let the processor finish what was produced (bounded), then summarize.
        long catchUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (monitor.scored.get() + meters.deadLetteredCount() < acked.get() && System.nanoTime() < catchUp) {
            Thread.sleep(100);
        }
        monitor.stop();
        monitorThread.join(5000);
        view.finish();
        long injectedAnomalies = injected.entrySet().stream().filter(e -> e.getKey().isAnomaly())
                .mapToLong(Map.Entry::getValue).sum();
        say(String.format(Locale.ROOT, "summary: produced %,d records (%,d malformed) in %.1f s; scored %,d, dead-lettered %,d",
                produced, malformed, (System.nanoTime() - start) / 1e9, meters.scoredCount(), meters.deadLetteredCount()));
        List<String> kinds = new ArrayList<>();
        injected.forEach((k, v) -> {
            if (k.isAnomaly()) {
                kinds.add(k.name().toLowerCase(Locale.ROOT).replace('_', ' ') + " " + v);
            }
        });
        long flaggedNormal = monitor.falseAlarms.get();
        long normal = flaggedNormal + monitor.normals.get();
        if (replayLabelled == 0) {
            // An unlabelled file (ice_river.csv: label always 0): its flags are findings, not false alarms.
            say(String.format(Locale.ROOT, "the file labels no anomalies: flagged %,d of %,d readings (%.2f%%)", flaggedNormal, normal,
                    100.0 * flaggedNormal / Math.max(1, normal)));
        } else {
            say(String.format(Locale.ROOT, "%s; caught %,d, missed %,d; false alarms %,d of %,d normal readings (%.2f%%)",
                    source.isReplay() ? String.format(Locale.ROOT, "labelled anomalies: %,d", injectedAnomalies)
                            : String.format(Locale.ROOT, "injected anomalies: %,d (%s)", injectedAnomalies, String.join(", ", kinds)),
                    monitor.caught.get(), monitor.missed.get(), flaggedNormal, normal, 100.0 * flaggedNormal / Math.max(1, normal)));
        }
        String byKind = monitor.caughtByKindSummary();
        if (!byKind.isEmpty() && !source.isReplay()) {
            say("caught by kind: " + byKind);
        }
        if (source.isReplay() && !monitor.highest().isEmpty()) {
            // What a replay of a real series is for: which of its readings stand out, and why.
            say("highest scores" + (source.hasEventTimes() ? " (event time from the file)" : "") + ":");
            for (DemoMonitor.Alert a : monitor.highest()) {
                say("  " + view.alert(a));
            }
        }
        if (monitor.dropouts.get() > 0) {
            say(String.format(Locale.ROOT, "sensor dropouts (a normal reading sent with one sensor null, input.missing.max=1): %,d scored "
                    + "on the other sensors with the missing one imputed, %,d flagged", monitor.dropouts.get(), monitor.dropoutsFlagged.get()));
        }
        if (monitor.stuckFlagged.get() > 0) {
            say(String.format(Locale.ROOT, "stuck sensors (a value held for score.stuck.readings=%d readings): %,d readings flagged, "
                    + "%,d of them scored under the threshold (the model alone missed them), %,d not injected", stuckReadings,
                    monitor.stuckFlagged.get(), monitor.stuckOnly.get(), monitor.stuckNormal.get()));
        }
        if (monitor.onsets.get() > 0) {
            say(String.format(Locale.ROOT, "drift onsets (a drift under way, not yet out of band; counted neither way): %,d readings, %,d flagged",
                    monitor.onsets.get(), monitor.onsetsFlagged.get()));
        }
    }
}
