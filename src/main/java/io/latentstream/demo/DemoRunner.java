package io.latentstream.demo;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the demo: embedded broker, topic plan, synthetic source with live progress. Stops on
 * Ctrl-C (shutdown hook) or after the given duration, and always closes the producer and the
 * broker and deletes the broker's temporary directory.
 */
public final class DemoRunner {
    /** Demo options from the command line. */
    public record Options(Duration duration, int rate, int entities, long seed, boolean tty) {
    }

    private final AppConfig cfg;
    private final Options opts;
    private final PrintWriter out;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch finished = new CountDownLatch(1);

    public DemoRunner(AppConfig cfg, Options opts, PrintWriter out) {
        this.cfg = cfg;
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
                finished.await(30, TimeUnit.SECONDS); // let run() close the broker and delete its files
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long t0 = System.nanoTime();
        out.println("latentstream demo: starting an embedded Kafka broker (KRaft) on 127.0.0.1 ...");
        out.flush();
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            out.printf("broker ready at %s in %.1f s%n", kafka.bootstrapServers(), (System.nanoTime() - t0) / 1e9);
            String prefix = cfg.getString(Settings.TOPIC_PREFIX);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                TopicApplier.Report report = new TopicApplier(admin, 30_000)
                        .apply(TopicPlan.builtIn(), prefix, cfg.getInt(Settings.TOPIC_REPLICATION_FACTOR), false);
                out.println("topics: " + report.actions().size() + " created under prefix '" + prefix + "'");
            }
            out.printf("streaming %d entities at %d records/s into %s.raw%s%n", opts.entities(), opts.rate(), prefix,
                    opts.duration() == null ? " (Ctrl-C to stop)" : " for " + opts.duration().toSeconds() + " s");
            out.flush();
            produce(kafka.bootstrapServers(), prefix + ".raw");
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // Ctrl-C path: the hook is running and waits for the latch above
            }
        }
        out.println("demo stopped; broker closed and its temporary files deleted");
        out.flush();
        return 0;
    }

    private void produce(String bootstrap, String topic) {
        Map<String, Object> p = new HashMap<>(cfg.kafkaOverrides());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "latentstream-demo-source");
        // One request in flight: readings of an entity stay in order even across a retry, and a
        // batch refused by a partition whose leadership is still settling (fresh topics) cannot be
        // overtaken by a later one (which would leave it retrying OUT_OF_ORDER_SEQUENCE forever).
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        SensorSimulator sim = new SensorSimulator(opts.entities(), opts.seed(), 0.003,
                opts.rate() * 90L); // the level shift comes after 90 s of data
        AtomicLong sent = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        Map<SensorSimulator.Injected, Long> injected = new java.util.EnumMap<>(SensorSimulator.Injected.class);
        long start = System.nanoTime();
        long end = opts.duration() == null ? Long.MAX_VALUE : start + opts.duration().toNanos();
        long nextReport = start + TimeUnit.SECONDS.toNanos(1);
        long lastCount = 0;
        long lastReportAt = start;
        long produced = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            while (running.get() && System.nanoTime() < end) {
                long now = System.nanoTime();
                long due = (long) ((now - start) / 1e9 * opts.rate());
                while (produced < due && running.get()) {
                    SensorSimulator.Reading r = sim.next();
                    injected.merge(r.injected(), 1L, Long::sum);
                    producer.send(new ProducerRecord<>(topic, null, r.timestampMs(), r.entity(), r.toJson()), (md, ex) -> {
                        if (ex == null) {
                            sent.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    });
                    produced++;
                }
                if (now >= nextReport) {
                    long c = sent.get();
                    double rps = (c - lastCount) / ((now - lastReportAt) / 1e9);
                    String line = String.format("  %6.0f s | %8.0f rec/s | sent %,10d | failed %,d | injected anomalies %,d",
                            (now - start) / 1e9, rps, c, failed.get(), produced - injected.getOrDefault(SensorSimulator.Injected.NONE, 0L));
                    if (opts.tty()) {
                        out.print("\r" + line);
                    } else if (((now - start) / 1_000_000_000L) % 5 == 0) {
                        out.println(line);
                    }
                    out.flush();
                    lastCount = c;
                    lastReportAt = now;
                    nextReport += TimeUnit.SECONDS.toNanos(1);
                }
                sleepMillis(5);
            }
            producer.flush();
            producer.close(Duration.ofSeconds(10));
        }
        if (opts.tty()) {
            out.println();
        }
        out.printf("summary: produced %,d records (%,d acknowledged, %,d failed) in %.1f s; injected %s%n",
                produced, sent.get(), failed.get(), (System.nanoTime() - start) / 1e9, injected);
        out.flush();
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
