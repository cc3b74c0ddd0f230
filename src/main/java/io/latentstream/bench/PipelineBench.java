package io.latentstream.bench;

import com.amazon.randomcutforest.config.TransformMethod;
import com.amazon.randomcutforest.parkservices.ThresholdedRandomCutForest;
import io.latentstream.codec.BadRecordException;
import io.latentstream.codec.InputFormat;
import io.latentstream.codec.ParsedRecord;
import io.latentstream.codec.RecordParser;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import io.latentstream.ops.Meters;
import io.latentstream.topology.ModelRef;
import io.latentstream.topology.StreamsSettings;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import io.latentstream.topology.TopologyFactory;
import io.latentstream.topology.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.io.BufferedWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end benchmark: N preloaded records (json and f32) consumed, one run after another on
 * the same broker, by an identity topology, a parse-only topology and the full processor (at
 * at_least_once, at exactly_once_v2 with 100 ms commits and with the configured interval, and while
 * a retrain runs in another process), plus an in-JVM Random Cut Forest pass over the same vectors.
 * Each run reports records/s (first output to last output visible to a read_committed consumer),
 * end-to-end latency p50/p99 of a paced probe (record timestamp to read_committed visibility) and
 * the CPU time of the application's own threads per record; then the ratios against the identity
 * run and the forest, and the targets. Retraining cost is timed at the default architecture.
 */
public final class PipelineBench {
    /** Sizes and where to run. */
    public record Options(String bootstrap, int records, int dim, int partitions, boolean quick, int latencyRate, int latencySeconds,
                          int retrainRows, int retrainEpochs, int[] retrainDims, Path workDir, String javaClasspath,
                          java.util.regex.Pattern runs, boolean cpuByThread, int rounds) {
        /** Whether the run with this name (e.g. "processor, at_least_once") and format is in the plan. */
        boolean includes(String name, String format) {
            return runs == null || runs.matcher(name + " " + format).find();
        }
    }

    /** One line of the table; byRound holds every round's records/s (in run order) when --rounds ran it more than once. */
    public record Result(String name, String format, double recordsPerSecond, double p50Ms, double p99Ms, double cpuMicrosPerRecord,
                         double jvmCpuPercent, double[] byRound) {
        Result(String name, String format, double recordsPerSecond, double p50Ms, double p99Ms, double cpuMicrosPerRecord,
               double jvmCpuPercent) {
            this(name, format, recordsPerSecond, p50Ms, p99Ms, cpuMicrosPerRecord, jvmCpuPercent, new double[] {recordsPerSecond});
        }
    }

    public static final String NO_SCORES_RUN = "processor, EOS 100 ms, scores.enabled=false";
    public static final String RETRAIN_RUN = "processor, EOS 100 ms + retrain running";
    public static final String SPINNER_RUN = "processor, EOS 100 ms + idle spinner";
    public static final String NICE0_RUN = "processor, EOS 100 ms + retrain at nice 0";
    /** The runs of one format, in order (the configured commit interval adds one at the end); a constant for --runs' help. */
    public static final String RUN_LIST = "identity; parse only; processor, at_least_once; processor, exactly_once_v2 100 ms; "
            + RETRAIN_RUN + "; " + SPINNER_RUN + "; " + NICE0_RUN + "; " + NO_SCORES_RUN;
    public static final List<String> RUN_NAMES = List.of(RUN_LIST.split("; "));

    private final AppConfig base;
    private final Options o;
    private final PrintWriter out;
    private final String stamp = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
    private final List<Result> results = new ArrayList<>();

    public PipelineBench(AppConfig base, Options o, PrintWriter out) {
        this.base = base;
        this.o = o;
        this.out = out;
    }

    public List<Result> results() {
        return results;
    }

    /** Runs everything and prints the table; returns the results. */
    public List<Result> run() throws Exception {
        String bs = o.bootstrap();
        say(String.format(Locale.ROOT, "bench: %,d records, d = %d, %d partitions, broker %s; machine: %d cores, Java %s",
                o.records(), o.dim(), o.partitions(), bs, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        float[][] rows = rows(o.records(), o.dim(), 1);
        ModelBundle model = trainModel();
        String jsonTopic = "lsbench-" + stamp + ".json";
        String f32Topic = "lsbench-" + stamp + ".f32";
        long t0 = System.nanoTime();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
            admin.createTopics(List.of(new NewTopic(jsonTopic, o.partitions(), (short) 1), new NewTopic(f32Topic, o.partitions(), (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        }
        preload(bs, jsonTopic, rows, InputFormat.JSON);
        preload(bs, f32Topic, rows, InputFormat.F32);
        say(String.format(Locale.ROOT, "preloaded %,d json and %,d f32 records in %.1f s", rows.length, rows.length, (System.nanoTime() - t0) / 1e9));

        String configuredCommit = base.kafkaOverrides().get("commit.interval.ms");
        List<Run> plan = new ArrayList<>();
        for (InputFormat format : List.of(InputFormat.JSON, InputFormat.F32)) {
            String topic = format == InputFormat.JSON ? jsonTopic : f32Topic;
            plan.add(new Run("identity", topic, format, Mode.IDENTITY, "exactly_once_v2", "100"));
            plan.add(new Run("parse only", topic, format, Mode.PARSE, "exactly_once_v2", "100"));
            plan.add(new Run("processor, at_least_once", topic, format, Mode.FULL, "at_least_once", null));
            plan.add(new Run("processor, exactly_once_v2 100 ms", topic, format, Mode.FULL, "exactly_once_v2", "100"));
            // The retrain at retrain.nice, as `latentstream retrain` lowers itself, and at nice 0 (one that does
            // not), right after the run they are compared with, so that both see the same phase of the machine.
            int nice = base.getInt(Settings.RETRAIN_NICE);
            plan.add(new Run(RETRAIN_RUN, topic, format, Mode.FULL, "exactly_once_v2", "100", Beside.RETRAIN, nice));
            // The control: the cheapest background work there is, lowered the same way.
            plan.add(new Run(SPINNER_RUN, topic, format, Mode.FULL, "exactly_once_v2", "100", Beside.SPINNER, nice));
            plan.add(new Run(NICE0_RUN, topic, format, Mode.FULL, "exactly_once_v2", "100", Beside.RETRAIN, 0));
            plan.add(new Run(NO_SCORES_RUN, topic, format, Mode.FULL_NO_SCORES, "exactly_once_v2", "100"));
            if (configuredCommit != null && !configuredCommit.equals("100")) {
                plan.add(new Run("processor, exactly_once_v2 " + configuredCommit + " ms", topic, format, Mode.FULL, "exactly_once_v2",
                        configuredCommit));
            }
        }
        plan.removeIf(r -> !o.includes(r.name(), r.format().name().toLowerCase(Locale.ROOT)));
        // Every run's output topics exist (leaders elected) before the first run starts: a run should
        // not pay for topic creation, and transactional producers writing to partitions seconds old
        // were seen to stall in retries (NOT_LEADER / CONCURRENT_TRANSACTIONS) for seconds.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
            List<NewTopic> plain = new ArrayList<>();
            for (int round = 0; round < o.rounds(); round++) {
                for (int i = 0; i < plan.size(); i++) {
                    if (plan.get(i).mode().processor()) {
                        new TopicApplier(admin, 60_000).apply(TopicPlan.builtIn(), runId(round, i), 1, false);
                    } else {
                        plain.add(new NewTopic(runId(round, i) + ".out", o.partitions(), (short) 1));
                    }
                }
            }
            admin.createTopics(plain).all().get(60, TimeUnit.SECONDS);
        }
        // Warm-up (not reported): the first runs of a fresh JVM pay for class loading and JIT
        // compilation, which would flatter whichever run comes later.
        say("warm-up runs (not reported) ...");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
            new TopicApplier(admin, 60_000).apply(TopicPlan.builtIn(), "lsb" + stamp + "-warm-full", 1, false);
            admin.createTopics(List.of(new NewTopic("lsb" + stamp + "-warm-id.out", o.partitions(), (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        runStreams("lsb" + stamp + "-warm-id", "warm-up identity", "json", jsonTopic, InputFormat.JSON, Mode.IDENTITY, "exactly_once_v2",
                "100", model, Beside.NOTHING, 0);
        runStreams("lsb" + stamp + "-warm-full", "warm-up processor", "json", jsonTopic, InputFormat.JSON, Mode.FULL, "exactly_once_v2",
                "100", model, Beside.NOTHING, 0);
        // With --rounds N the whole plan, the forest pass included, runs N times over (so slow phases of
        // the machine hit every run alike), and each run reports its median round: one run here moves by +-15%.
        List<List<Result>> byRun = new ArrayList<>();
        plan.forEach(r -> byRun.add(new ArrayList<>()));
        List<Result> forest = new ArrayList<>();
        for (int round = 0; round < o.rounds(); round++) {
            if (o.rounds() > 1) {
                say(String.format(Locale.ROOT, "round %d of %d", round + 1, o.rounds()));
            }
            for (int i = 0; i < plan.size(); i++) {
                Run r = plan.get(i);
                byRun.get(i).add(runStreams(runId(round, i), r.name(), r.format().name().toLowerCase(Locale.ROOT), r.topic(), r.format(),
                        r.mode(), r.guarantee(), r.commitMs(), model, r.beside(), r.nice()));
            }
            forest.add(rcfPass(rows));
        }
        for (List<Result> rounds : byRun) {
            results.add(median(rounds));
        }
        results.add(median(forest));
        printTable();
        retrainCost();
        return results;
    }

    private void say(String s) {
        out.println(s);
        out.flush();
    }

    // ---------------------------------------------------------------- data and model

    /**
     * Correlated readings: a few latent factors through a mixing matrix, plus noise. The matrix
     * depends on d only, so every call (training rows, bench input, probes) draws from the same
     * distribution and the model flags about as many records as it would in production (~1%);
     * the seed picks the draws.
     */
    static float[][] rows(int n, int d, long seed) {
        int k = Math.max(2, (d + 3) / 4);
        Random m0 = new Random(1_000_003L * d);
        double[][] mix = new double[k][d];
        for (double[] m : mix) {
            for (int j = 0; j < d; j++) {
                m[j] = m0.nextGaussian();
            }
        }
        Random r = new Random(seed);
        float[][] x = new float[n][d];
        double[] z = new double[k];
        for (int i = 0; i < n; i++) {
            for (int a = 0; a < k; a++) {
                z[a] = r.nextGaussian();
            }
            for (int j = 0; j < d; j++) {
                double v = 10 + 0.1 * r.nextGaussian();
                for (int a = 0; a < k; a++) {
                    v += z[a] * mix[a][j];
                }
                x[i][j] = (float) v;
            }
        }
        return x;
    }

    private ModelBundle trainModel() {
        int n = o.quick() ? 2_000 : 10_000;
        float[][] f = rows(n, o.dim(), 2);
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = new double[o.dim()];
            for (int j = 0; j < o.dim(); j++) {
                x[i][j] = f[i][j];
            }
        }
        List<String> features = new ArrayList<>();
        for (int j = 0; j < o.dim(); j++) {
            features.add("f" + j);
        }
        long t0 = System.nanoTime();
        ModelBundle b = VaeTrainer.train(new TrainingData(features, x, null, null, "bench"), TrainOptions.defaults()
                .withEpochs(o.quick() ? 3 : 15), new VaeTrainer.Identity("bench", 1, null, Map.of()), null, null);
        say(String.format(Locale.ROOT, "model: %s trained on %,d rows in %.1f s", b.architecture(), n, (System.nanoTime() - t0) / 1e9));
        return b;
    }

    private void preload(String bs, String topic, float[][] rows, InputFormat format) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bs, "linger.ms", 20, "batch.size", 256 * 1024,
                "compression.type", "none"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < rows.length; i++) {
                p.send(new ProducerRecord<>(topic, i % o.partitions(), null, encode(rows[i], format)));
            }
            p.flush();
        }
    }

    static byte[] encode(float[] v, InputFormat format) {
        if (format == InputFormat.F32) {
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) {
                b.putFloat(x);
            }
            return b.array();
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "%.4f", v[i]));
        }
        return sb.append(']').toString().getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- Kafka Streams runs

    /** FULL_NO_SCORES: the processor with scores.enabled=false (latent frames, anomalies and samples only). */
    enum Mode { IDENTITY, PARSE, FULL, FULL_NO_SCORES;

        boolean processor() {
            return this == FULL || this == FULL_NO_SCORES;
        }
    }

    /** What runs beside the processor in another process: nothing, a retrain, or the idle spinner (the control). */
    enum Beside { NOTHING, RETRAIN, SPINNER }

    /** One run of the plan; nice is the nice value of what runs beside it (with SCHED_IDLE per retrain.cpu.idle when > 0). */
    record Run(String name, String topic, InputFormat format, Mode mode, String guarantee, String commitMs, Beside beside, int nice) {
        Run(String name, String topic, InputFormat format, Mode mode, String guarantee, String commitMs) {
            this(name, topic, format, mode, guarantee, commitMs, Beside.NOTHING, 0);
        }
    }

    private String runId(int round, int i) {
        return "lsb" + stamp + "-" + i + (round == 0 ? "" : "r" + round);
    }

    /** The round with the median records/s (the lower middle for an even count), carrying every round's records/s. */
    static Result median(List<Result> rounds) {
        List<Result> sorted = new ArrayList<>(rounds);
        sorted.sort(java.util.Comparator.comparingDouble(Result::recordsPerSecond));
        Result m = sorted.get((sorted.size() - 1) / 2);
        return new Result(m.name(), m.format(), m.recordsPerSecond(), m.p50Ms(), m.p99Ms(), m.cpuMicrosPerRecord(), m.jvmCpuPercent(),
                rounds.stream().mapToDouble(Result::recordsPerSecond).toArray());
    }

    /** read -> write, same serdes. */
    static Topology identity(String in, String outTopic) {
        Topology t = new Topology();
        t.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), in);
        t.addSink("out", outTopic, new ByteArraySerializer(), new ByteArraySerializer(), "in");
        return t;
    }

    /** read -> parse (same parser as the processor) -> write the parsed vector as f32. */
    static Topology parseOnly(String in, String outTopic, InputFormat format, int dim) {
        Topology t = new Topology();
        t.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), in);
        t.addProcessor("parse", () -> new Processor<byte[], byte[], byte[], byte[]>() {
            private final RecordParser parser = new RecordParser(format, dim, 1 << 20, false);
            private ProcessorContext<byte[], byte[]> ctx;

            @Override
            public void init(ProcessorContext<byte[], byte[]> context) {
                ctx = context;
            }

            @Override
            public void process(Record<byte[], byte[]> r) {
                try {
                    ParsedRecord p = parser.parse(r.key(), r.value());
                    ctx.forward(r.withValue(encode(Arrays.copyOf(p.features, p.dim), InputFormat.F32)));
                } catch (BadRecordException e) {
                    ctx.forward(r); // no bad records in the bench; keep the count exact anyway
                }
            }
        }, "in");
        t.addSink("out", outTopic, new ByteArraySerializer(), new ByteArraySerializer(), "parse");
        return t;
    }

    private Result runStreams(String run, String name, String format, String inputTopic, InputFormat inFormat, Mode mode, String guarantee,
                              String commitMs, ModelBundle model, Beside beside, int nice) throws Exception {
        Map<String, String> set = new HashMap<>();
        set.put(Settings.BOOTSTRAP_SERVERS, o.bootstrap());
        set.put(Settings.APPLICATION_ID, run);
        set.put(Settings.TOPIC_PREFIX, run);
        set.put(Settings.INPUT_TOPIC, inputTopic);
        set.put(Settings.INPUT_FORMAT, inFormat.name().toLowerCase(Locale.ROOT));
        set.put(Settings.PROCESSING_GUARANTEE, guarantee);
        set.put(Settings.MODEL_NAME, model.manifest().name());
        set.put(Settings.TOPIC_REPLICATION_FACTOR, "1");
        set.put(Settings.SCORES_ENABLED, Boolean.toString(mode != Mode.FULL_NO_SCORES));
        AppConfig cfg = base.with(set);
        Topics topics = Topics.from(cfg);
        // The reader follows the processor's latent frames: one per input, committed in the same
        // transaction as its score record, so they become visible together; the ~30-byte frame keeps
        // the reader (which shares the cores with what it measures) about as cheap as the identity's.
        String outTopic = mode.processor() ? topics.latents() : run + ".out";
        Topology topology;
        // The registry `latentstream run` records into (without the JVM binders, which hold GC listeners).
        Meters meters = new Meters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        topology = switch (mode) {
            case IDENTITY -> identity(inputTopic, outTopic);
            case PARSE -> parseOnly(inputTopic, outTopic, inFormat, o.dim());
            case FULL, FULL_NO_SCORES -> TopologyFactory.build(cfg, new ModelRef(new FastScorer(model)), meters);
        };
        Properties props = StreamsSettings.from(cfg, o.bootstrap());
        props.put("auto.offset.reset", "earliest");
        props.put("state.dir", o.workDir().resolve("state-" + run).toString());
        if (commitMs != null) {
            props.put("commit.interval.ms", commitMs);
        }
        Process besideProcess = switch (beside) {
            case NOTHING -> null;
            case RETRAIN -> startRetrain(nice);
            case SPINNER -> startSpinner(nice);
        };
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", o.bootstrap(), "isolation.level", "read_committed",
                "group.id", run + "-reader", "auto.offset.reset", "earliest", "enable.auto.commit", "false", "max.poll.records", 10_000),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaStreams streams = new KafkaStreams(topology, props)) {
            c.subscribe(List.of(outTopic));
            CpuSnapshot atStart = CpuSnapshot.take();
            long started = System.nanoTime();
            streams.start();
            // Everything in the input so far: the preloaded records plus the latency probes of earlier runs.
            long expected = inputEnd(inputTopic);
            // The clock starts at the first output visible to the reader, not at RUNNING: with several
            // stream threads the first RUNNING can come after most of the input was processed.
            long first = 0;
            long firstDeadline = started + TimeUnit.SECONDS.toNanos(120);
            while (first == 0 && System.nanoTime() < firstDeadline) {
                if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
                    throw new IllegalStateException(name + ": Kafka Streams stopped (" + streams.state() + ")");
                }
                first = c.poll(Duration.ofMillis(20)).count();
            }
            if (first == 0) {
                throw new IllegalStateException(name + ": no output in 120 s");
            }
            CpuSnapshot before = CpuSnapshot.take();
            long t0 = System.nanoTime();
            long seen = first;
            long measured = expected - first;
            if (measured < expected / 10) {
                // (Almost) everything came in the first commit (a short run): time it from start() instead.
                before = atStart;
                t0 = started;
                measured = expected;
            }
            long deadline = t0 + TimeUnit.MINUTES.toNanos(20);
            while (seen < expected && System.nanoTime() < deadline) {
                seen += c.poll(Duration.ofMillis(100)).count();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            CpuSnapshot after = CpuSnapshot.take();
            long cpu = after.app(run) - before.app(run);
            long jvm = after.jvm() - before.jvm();
            List<String> details = new ArrayList<>();
            if (mode.processor()) {
                // What the processor wrote per input: the anomaly share decides how many score copies it writes.
                Topics tt = Topics.from(cfg);
                details.add(String.format(Locale.ROOT, "    outputs per input record: latents %.3f, scores %.3f, anomalies %.3f, samples %.3f",
                        inputEnd(tt.latents()) / (double) expected, inputEnd(tt.scores()) / (double) expected,
                        inputEnd(tt.anomalies()) / (double) expected, inputEnd(tt.samples()) / (double) expected));
            }
            if (o.cpuByThread()) {
                Map<String, Long> agg = new java.util.TreeMap<>();
                Map<String, Long> was = before.threads();
                double records = measured;
                after.threads().forEach((k, v) -> agg.merge(k.replaceAll("@\\d+$", "").replace(run, "<app>")
                        .replaceAll("\\b[0-9a-f]{8}-[-0-9a-f]{27}", "<id>").replaceAll("\\d+", "#"), v - was.getOrDefault(k, 0L), Long::sum));
                agg.entrySet().stream().filter(e -> e.getValue() / 1e3 / records >= 0.01)
                        .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                        .forEach(e -> details.add(String.format(Locale.ROOT, "    CPU %6.2f µs/rec  %s", e.getValue() / 1e3 / records,
                                e.getKey())));
            }
            double jvmPercent = 100.0 * jvm / 1e9 / secs / Runtime.getRuntime().availableProcessors();
            if (seen < expected) {
                throw new IllegalStateException(name + ": only " + seen + " of " + expected + " outputs in 20 minutes");
            }
            long probeStart = System.nanoTime();
            double[] lat = latencyProbe(inputTopic, inFormat, c);
            Result r = new Result(name, format, measured / secs, lat[0], lat[1], cpu / 1e3 / measured, jvmPercent);
            long closing = System.nanoTime();
            streams.close(Duration.ofSeconds(30));
            say(String.format(Locale.ROOT, "  %-42s %-4s %,10.0f rec/s  p50 %6.1f ms  p99 %6.1f ms  CPU %6.1f µs/rec  JVM CPU %3.0f%%  "
                            + "(first output %.1f s, rest %.1f s, probe %.1f s, close %.1f s)", name, format, r.recordsPerSecond(), r.p50Ms(),
                    r.p99Ms(), r.cpuMicrosPerRecord(), r.jvmCpuPercent(), (t0 - started) / 1e9, secs, (closing - probeStart) / 1e9,
                    (System.nanoTime() - closing) / 1e9));
            details.forEach(this::say);
            return r;
        } finally {
            if (besideProcess != null) {
                boolean stillRunning = besideProcess.isAlive();
                besideProcess.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                if (!stillRunning) {
                    say("  (the process beside it ended before this run did; its share of the run was shorter)");
                }
            }
        }
    }

    private long inputEnd(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", o.bootstrap()), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> tps = c.partitionsFor(topic).stream()
                    .map(pi -> new org.apache.kafka.common.TopicPartition(topic, pi.partition())).toList();
            return c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Records paced at a fixed rate with fresh timestamps; latency = read_committed visibility - timestamp. */
    private double[] latencyProbe(String inputTopic, InputFormat format, KafkaConsumer<byte[], byte[]> c) throws Exception {
        int n = o.latencyRate() * o.latencySeconds();
        float[][] rows = rows(Math.min(n, 5000), o.dim(), 3);
        long[] lat = new long[n];
        int got = 0;
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", o.bootstrap(), "linger.ms", 0),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            int sent = 0;
            long deadline = start + TimeUnit.SECONDS.toNanos(o.latencySeconds() + 60L);
            while ((sent < n || got < n) && System.nanoTime() < deadline) {
                long due = (long) ((System.nanoTime() - start) / 1e9 * o.latencyRate());
                while (sent < Math.min(n, due)) {
                    p.send(new ProducerRecord<>(inputTopic, sent % o.partitions(), System.currentTimeMillis(), null,
                            encode(rows[sent % rows.length], format)));
                    sent++;
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(5))) {
                    if (got < n) {
                        lat[got++] = System.currentTimeMillis() - r.timestamp();
                    }
                }
            }
        }
        long[] l = Arrays.copyOf(lat, got);
        Arrays.sort(l);
        return new double[] {pct(l, 0.50), pct(l, 0.99)};
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    /** CPU time so far of every live thread (by name@id) and of the whole JVM. */
    record CpuSnapshot(Map<String, Long> threads, long jvm) {
        static CpuSnapshot take() {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Map<String, Long> m = new HashMap<>();
            for (ThreadInfo ti : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (ti != null) {
                    long t = mx.getThreadCpuTime(ti.getThreadId());
                    if (t > 0) {
                        m.put(ti.getThreadName() + "@" + ti.getThreadId(), t);
                    }
                }
            }
            // With an embedded broker the JVM's time covers the broker, the application and the reader.
            return new CpuSnapshot(m, ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime());
        }

        /** CPU time of the threads of one Kafka Streams application (stream threads and their clients' threads). */
        long app(String appId) {
            return threads.entrySet().stream().filter(e -> e.getKey().contains(appId)).mapToLong(Map.Entry::getValue).sum();
        }
    }

    /** {@link IdleSpinner} in another process, at this nice (and SCHED_IDLE as a retrain would be). */
    private Process startSpinner(int nice) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m", "-cp",
                o.javaClasspath(), IdleSpinner.class.getName(), Integer.toString(nice)));
        if (nice > 0 && base.getBoolean(Settings.RETRAIN_CPU_IDLE)) {
            cmd.add("idle");
        }
        Path log = o.workDir().resolve("spinner.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline && p.isAlive() && !(Files.exists(log) && Files.readString(log).contains("idle spinner:"))) {
            Thread.sleep(50);
        }
        if (!p.isAlive()) {
            throw new IllegalStateException("the idle spinner ended early: " + Files.readString(log));
        }
        return p;
    }

    /** A retrain in another process: `latentstream train` on a CSV of retrainRows x dim, retrainEpochs epochs. */
    private Process startRetrain(int nice) throws Exception {
        Path csv = o.workDir().resolve("retrain-" + o.dim() + ".csv");
        if (!Files.exists(csv)) {
            float[][] rows = rows(o.retrainRows(), o.dim(), 4);
            try (BufferedWriter w = Files.newBufferedWriter(csv)) {
                for (int j = 0; j < o.dim(); j++) {
                    w.write((j > 0 ? "," : "") + "f" + j);
                }
                w.newLine();
                for (float[] r : rows) {
                    for (int j = 0; j < r.length; j++) {
                        w.write((j > 0 ? "," : "") + r[j]);
                    }
                    w.newLine();
                }
            }
        }
        // SCHED_IDLE too with retrain.cpu.idle, as `latentstream retrain` does.
        List<String> cmd = new ArrayList<>();
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", o.javaClasspath(), "io.latentstream.Main", "train", "--input",
                csv.toString(), "--out", o.workDir().resolve("retrained.lsb").toString(), "--epochs", "1000", "--patience", "1000",
                "--nice", Integer.toString(nice)));
        if (nice > 0 && base.getBoolean(Settings.RETRAIN_CPU_IDLE)) {
            cmd.add("--cpu-idle");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(o.workDir().resolve("retrain.log").toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        // Start measuring once it trains (data loaded, first epoch under way), not while it boots.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && p.isAlive()) {
            String log = Files.exists(o.workDir().resolve("retrain.log")) ? Files.readString(o.workDir().resolve("retrain.log")) : "";
            if (log.contains("epoch")) {
                break;
            }
            Thread.sleep(200);
        }
        if (!p.isAlive()) {
            throw new IllegalStateException("the retrain process ended early: " + Files.readString(o.workDir().resolve("retrain.log")));
        }
        return p;
    }

    // ---------------------------------------------------------------- Random Cut Forest

    private Result rcfPass(float[][] rows) {
        int d = o.dim();
        ThresholdedRandomCutForest rcf = ThresholdedRandomCutForest.builder().dimensions(d).shingleSize(1).numberOfTrees(50).sampleSize(256)
                .transformMethod(TransformMethod.NORMALIZE).randomSeed(1).build();
        double[] v = new double[d];
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        double sink = 0;
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < d; j++) {
                v[j] = rows[i][j];
            }
            sink += rcf.process(v, i).getRCFScore();
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        Result r = new Result("Random Cut Forest update+score (in-JVM, 1 thread)", "-", rows.length / secs, Double.NaN, Double.NaN,
                cpu / 1e3 / rows.length, Double.NaN);
        say(String.format(Locale.ROOT, "  %-42s %-4s %,10.0f rec/s  %29s CPU %6.1f µs/rec%s", r.name(), "", r.recordsPerSecond(), "",
                r.cpuMicrosPerRecord(), sink == 42 ? " " : ""));
        return r;
    }

    // ---------------------------------------------------------------- report

    private Result find(String name, String format) {
        return results.stream().filter(r -> r.name().equals(name) && r.format().equals(format)).findFirst().orElse(null);
    }

    private void printTable() {
        Result rcf = find("Random Cut Forest update+score (in-JVM, 1 thread)", "-");
        say("");
        say(String.format(Locale.ROOT, "%-44s %-6s %12s %10s %9s %9s %11s %8s %8s", "run", "format", "records/s", "x identity", "p50 ms",
                "p99 ms", "CPU µs/rec", "JVM CPU", "x RCF"));
        for (Result r : results) {
            Result id = find("identity", r.format());
            say(String.format(Locale.ROOT, "%-44s %-6s %,12.0f %10s %9s %9s %11.1f %8s %8.1f", r.name(), r.format(), r.recordsPerSecond(),
                    id == null ? "" : String.format(Locale.ROOT, "%.2f", r.recordsPerSecond() / id.recordsPerSecond()),
                    Double.isNaN(r.p50Ms()) ? "" : String.format(Locale.ROOT, "%.1f", r.p50Ms()),
                    Double.isNaN(r.p99Ms()) ? "" : String.format(Locale.ROOT, "%.1f", r.p99Ms()), r.cpuMicrosPerRecord(),
                    Double.isNaN(r.jvmCpuPercent()) ? "" : String.format(Locale.ROOT, "%.0f%%", r.jvmCpuPercent()),
                    r.recordsPerSecond() / rcf.recordsPerSecond()));
        }
        say("(CPU µs/rec: the application's own threads; JVM CPU: this whole process, broker included when embedded, "
                + "as a share of all cores)");
        if (o.rounds() > 1) {
            say(String.format(Locale.ROOT, "(each run: the median of %d rounds; the other columns are that round's; records/s by round:)",
                    o.rounds()));
            for (Result r : results) {
                if (r.byRound().length > 1) {
                    say(String.format(Locale.ROOT, "  %-44s %-6s %s", r.name(), r.format(), Arrays.stream(r.byRound())
                            .mapToObj(v -> String.format(Locale.ROOT, "%,.0f", v)).collect(java.util.stream.Collectors.joining("  "))));
                }
            }
        }
        say("");
        say("targets (same run):");
        for (String f : List.of("json", "f32")) {
            String eos = "processor, exactly_once_v2 100 ms";
            target(f + ": processor EOS / identity", f, eos, "identity", 0.7);
            target(f + ": processor EOS 100 ms / at_least_once", f, eos, "processor, at_least_once", 0.85);
            target(f + ": with a retrain running / without", f, RETRAIN_RUN, eos, 0.9);
            Result e = find(eos, f);
            Result lean = find(NO_SCORES_RUN, f);
            Result identity = find("identity", f);
            if (lean != null && identity != null) {
                say(String.format(Locale.ROOT, "  %-52s %7.2f  (no target: per-record score records off, a compression set-up)",
                        f + ": EOS, scores.enabled=false / identity", lean.recordsPerSecond() / identity.recordsPerSecond()));
            }
            Result unniced = find(NICE0_RUN, f);
            if (e != null && unniced != null) {
                say(String.format(Locale.ROOT, "  %-52s %7.2f  (no target: a retrainer that does not lower its priority)",
                        f + ": with a retrain at nice 0 / without", unniced.recordsPerSecond() / e.recordsPerSecond()));
            }
            Result spinner = find(SPINNER_RUN, f);
            if (e != null && spinner != null) {
                say(String.format(Locale.ROOT, "  %-52s %7.2f  (no target: the control, any background work on idle CPU)",
                        f + ": with an idle spinner / without", spinner.recordsPerSecond() / e.recordsPerSecond()));
            }
            target(f + ": processor EOS / Random Cut Forest", e, rcf, 10);
        }
    }

    /** The ratio of two runs' records/s against its target; nothing when --runs left either out. */
    private void target(String what, String format, String run, String baseline, double goal) {
        target(what, find(run, format), find(baseline, format), goal);
    }

    /** The ratio of r's records/s to b's against its target, round by round too; nothing when either is null. */
    private void target(String what, Result r, Result b, double goal) {
        if (r != null && b != null) {
            target(what, r.recordsPerSecond() / b.recordsPerSecond(), goal);
            if (r.byRound().length > 1 && r.byRound().length == b.byRound().length) {
                // Round by round: the two ran minutes apart, in the same phase of the machine.
                StringBuilder paired = new StringBuilder();
                for (int k = 0; k < r.byRound().length; k++) {
                    paired.append(String.format(Locale.ROOT, " %.2f", r.byRound()[k] / b.byRound()[k]));
                }
                say(String.format(Locale.ROOT, "  %-52s%s", "    (round by round:", paired + ")"));
            }
        }
    }

    private void target(String what, double ratio, double goal) {
        say(String.format(Locale.ROOT, "  %-52s %7.2f  (target >= %.2f)  %s", what, ratio, goal, ratio >= goal ? "met" : "MISSED"));
    }

    /** Time to train on retrainRows x retrainEpochs at the default architecture, per dimension. */
    private void retrainCost() {
        say("");
        say(String.format(Locale.ROOT, "retraining cost (%,d samples x %d epochs, default architecture, this JVM, OMP threads %s):",
                o.retrainRows(), o.retrainEpochs(), System.getenv().getOrDefault("OMP_NUM_THREADS", "(default)")));
        for (int d : o.retrainDims()) {
            float[][] f = rows(o.retrainRows(), d, 5);
            double[][] x = new double[f.length][d];
            for (int i = 0; i < f.length; i++) {
                for (int j = 0; j < d; j++) {
                    x[i][j] = f[i][j];
                }
            }
            List<String> features = new ArrayList<>();
            for (int j = 0; j < d; j++) {
                features.add("f" + j);
            }
            int[] epochs = {0};
            long t0 = System.nanoTime();
            ModelBundle b = VaeTrainer.train(new TrainingData(features, x, null, null, "bench"),
                    new TrainOptions(TrainOptions.defaults().beta(), o.retrainEpochs(), o.retrainEpochs() + 1, 0,
                            TrainOptions.defaults().learningRate(), TrainOptions.defaults().validationFraction(), false, 42,
                            TrainOptions.defaults().trimFraction(), TrainOptions.defaults().contextDropout(), true, 0.99,
                            TrainOptions.defaults().direction(), 1.0, true, 0, null, TrainOptions.defaults().inputClip(), 0),
                    new VaeTrainer.Identity("bench", 1, null, Map.of()), null, (e, max, loss, val, improved, secs) -> epochs[0] = e);
            double secs = (System.nanoTime() - t0) / 1e9;
            say(String.format(Locale.ROOT, "  d = %3d  %-24s %6.1f s for %d epochs  %,9.0f samples/s%s", d, b.architecture(), secs, epochs[0],
                    (double) o.retrainRows() * epochs[0] / secs,
                    d == 9 && o.retrainRows() >= 100_000 && o.retrainEpochs() >= 20
                            ? String.format(Locale.ROOT, "  (target <= 60 s: %s)", secs <= 60 ? "met" : "MISSED") : ""));
        }
    }
}
