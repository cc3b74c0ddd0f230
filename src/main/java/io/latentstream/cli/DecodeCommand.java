package io.latentstream.cli;

import io.latentstream.codec.LatentFrame;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelCatalog;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code latentstream decode}: latent frames back to approximate records. */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = {"Turn latent frames back into approximate records (CSV: model version, then the features) "
                + "with the decoder of the model version that made each frame: a --model bundle of that version, "
                + "else (with bootstrap.servers) the version on the models topic, where the retrainer publishes. "
                + "A frame from a version found in neither is refused.",
            "Conditional models decode with the frame's record key as context (topic) or --context (file)."},
        footer = {"", "Examples:",
            "  latentstream decode --topic latentstream.latents --bootstrap-server localhost:9092 --max 100",
            "  latentstream decode --model v1.lsb --model v2.lsb --file frames.bin"})
public final class DecodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL.lsb",
            description = "Bundle(s) whose decoder to use, matched to each frame by model version (repeatable). "
                    + "Versions not given here are read from the models topic when bootstrap.servers is set.")
    List<Path> models = List.of();

    @Mixin
    ModelNameOption modelName;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--file", paramLabel = "FILE", description = "Frames written back to back.")
        Path file;

        @Option(names = "--topic", paramLabel = "TOPIC", description = "Topic of frames (read from the beginning, read_committed).")
        String topic;
    }

    @Option(names = "--context", paramLabel = "V", description = "Context for a conditional model (file input, or instead of keys).")
    String context;

    @Option(names = "--max", paramLabel = "N", defaultValue = "1000", description = "Stop after this many frames. Default: ${DEFAULT-VALUE}.")
    long max;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "Topic input: stop when nothing new arrives for this long. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    private final Map<Long, FastScorer> byVersion = new HashMap<>();
    private FastScorer.Scratch scratch;
    private List<String> header;
    private AppConfig cfg;
    private ModelCatalog catalog; // the models topic, read once, when a frame needs a version no --model has
    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() throws Exception {
        cfg = Cli.config(spec);
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        for (Path m : models) {
            use(Cli.loadBundle(m), "--model");
        }
        long n = 0;
        if (source.file != null) {
            byte[] bytes = Files.readAllBytes(source.file);
            int pos = 0;
            while (pos < bytes.length && n < max) {
                LatentFrame.Decoded d;
                try {
                    d = LatentFrame.decode(bytes, pos);
                } catch (LatentFrame.FrameException e) {
                    throw new UsageError(source.file + " at byte " + pos + ": " + e.getMessage());
                }
                emit(d, context);
                pos += d.length();
                n++;
            }
        } else {
            String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, "decode --topic");
            Map<String, Object> props = new HashMap<>(cfg.kafkaOverrides());
            props.put("bootstrap.servers", bootstrap);
            props.put("isolation.level", "read_committed");
            props.put("enable.auto.commit", "false");
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts = c.partitionsFor(source.topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (parts.isEmpty()) {
                    throw new UsageError("topic " + source.topic + " does not exist");
                }
                c.assign(parts);
                c.seekToBeginning(parts);
                long idleSince = System.nanoTime();
                while (n < max && System.nanoTime() - idleSince < timeout.toNanos()) {
                    var records = c.poll(Duration.ofMillis(200));
                    if (!records.isEmpty()) {
                        idleSince = System.nanoTime();
                    }
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        if (n >= max) {
                            break;
                        }
                        LatentFrame.Decoded d;
                        try {
                            d = LatentFrame.decode(r.value(), 0);
                        } catch (LatentFrame.FrameException e) {
                            err.println("skipping " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
                            continue;
                        }
                        String ctx = context != null ? context : r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                        emit(d, ctx);
                        n++;
                    }
                }
            }
        }
        out.flush();
        err.println("decoded " + n + " frame(s)");
        err.flush();
        return ExitCodes.OK;
    }

    /** Adds a decoder; the first one fixes the CSV header, which every later one must match. */
    private FastScorer use(ModelBundle b, String from) {
        if (header == null) {
            header = b.features();
            out.println("model_version," + String.join(",", header));
        } else if (!header.equals(b.features())) {
            throw new UsageError("model v" + b.version() + " (" + from + ") has features " + b.features()
                    + ", not the " + header + " of the versions before it");
        }
        FastScorer s = new FastScorer(b);
        byVersion.put(b.version(), s);
        Double nrmse = b.manifest().validation().get("nrmse");
        err.println(String.format(Locale.ROOT, "model v%d (%s)", b.version(), from) + (nrmse == null ? ""
                : String.format(Locale.ROOT, ": expected reconstruction error NRMSE %.3f (standardized, validation rows)", nrmse)));
        err.flush();
        return s;
    }

    /** The decoder of a version: a --model bundle, else the verified bundle on the models topic. */
    private FastScorer decoderOf(long version) {
        FastScorer s = byVersion.get(version);
        if (s != null) {
            return s;
        }
        String given = models.isEmpty() ? "no --model bundle was given" : "the --model bundle(s) are version(s) " + byVersion.keySet();
        if (cfg.getString(Settings.BOOTSTRAP_SERVERS) == null) {
            throw new UsageError("a frame was made by model version " + version + " but " + given + "; pass --model with the bundle "
                    + "of version " + version + ", or --bootstrap-server to read it from the models topic");
        }
        String model = modelName.resolve(cfg);
        String topic = Topics.from(cfg).models();
        if (catalog == null) {
            catalog = ModelsCommand.catalog(cfg, model, "decode");
        }
        if (!catalog.versions().contains(version)) {
            throw new UsageError("a frame was made by model version " + version + " but " + given + " and " + topic
                    + " has version(s) " + catalog.versions() + " of model '" + model + "'; pass --model with the bundle of version "
                    + version + (modelName.given() ? "" : ", or --name if the frames are another model's"));
        }
        ModelCatalog.Verified v = catalog.verify(version);
        if (!v.ok()) {
            throw new UsageError("model version " + version + " on " + topic + " is refused: " + v.message());
        }
        return use(v.bundle(), topic);
    }

    private void emit(LatentFrame.Decoded d, String ctx) {
        FastScorer s = decoderOf(d.modelVersion());
        if (d.values().length != s.latentDim()) {
            throw new UsageError("a frame of dimension " + d.values().length + " does not fit model v" + s.version()
                    + " (latent " + s.latentDim() + ")");
        }
        scratch = s.newScratch(); // per frame: frames may alternate between model versions
        float[] x = new float[s.inputDim()];
        s.decode(d.values(), s.contextSlot(ctx), x, scratch);
        StringBuilder sb = new StringBuilder().append(d.modelVersion());
        for (float v : x) {
            sb.append(',').append(v);
        }
        out.println(sb);
    }
}
