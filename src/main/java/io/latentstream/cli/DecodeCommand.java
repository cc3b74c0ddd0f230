package io.latentstream.cli;

import io.latentstream.codec.LatentFrame;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelCatalog;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code latentstream decode}: latent frames back to approximate records. */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = {"Turn latent frames back into approximate records (CSV) with the decoder of the model version that "
                + "made each frame: a --model bundle of that version, else (with bootstrap.servers) the version on the "
                + "models topic, where the retrainer publishes. A frame from a version found in neither is refused.",
            "From a topic (read_committed): the frames committed when decode starts, or a time range of them "
                + "(--from, --to), or only some entities (--key); --follow keeps decoding new ones. Columns: timestamp "
                + "(the frame's record timestamp, which the processor copies from the input record), key, model_version, "
                + "then the features; in record-time order across partitions, each partition's in offset order (so one key's in the "
                + "order they were scored); with --follow, new frames as they are committed after the ones already there. "
                + "From a file: "
                + "model_version, then the features.",
            "Conditional models decode with the frame's record key as context (topic) or --context (file)."},
        footer = {"", "Examples:",
            "  latentstream decode --topic latentstream.latents --bootstrap-server localhost:9092 --max 100",
            "  latentstream decode --topic latentstream.latents -b localhost:9092 --key pump-7 --from 2026-11-26T08:00:00Z --to 2026-11-26T09:00:00Z",
            "  latentstream decode --topic latentstream.latents -b localhost:9092 --from 2h > last-two-hours.csv",
            "  latentstream decode --topic latentstream.latents -b localhost:9092 --from 0s --follow   # new frames only",
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

        @Option(names = "--topic", paramLabel = "TOPIC", description = "Topic of frames, e.g. <prefix>.latents (read_committed).")
        String topic;
    }

    @Option(names = "--context", paramLabel = "V", description = "Context for a conditional model (file input, or instead of keys).")
    String context;

    @Mixin
    TimeRangeOptions times;

    @Option(names = "--key", paramLabel = "KEY", description = "Topic input: only frames with this record key, the entity id "
            + "(repeatable), as score records name it: a binary key (e.g. LongSerializer's) as 0x and its bytes in hex, "
            + "a Kafka Connect JsonConverter key as its payload.")
    List<String> keys = List.of();

    @Option(names = "--follow", description = "Topic input: after the frames committed at start, keep decoding new ones as "
            + "they are committed, until Ctrl-C or --max.")
    boolean follow;

    @Option(names = "--max", paramLabel = "N", defaultValue = "0", description = "Stop after this many frames (0 = no limit). "
            + "Default: ${DEFAULT-VALUE}.")
    long max;

    private final Map<Long, Decoder> byVersion = new HashMap<>();
    private List<String> header;
    private AppConfig cfg;
    private ModelCatalog catalog; // the models topic, read once, when a frame needs a version no --model has
    private PrintWriter out;
    private PrintWriter err;

    /** One model version's decoder with its own buffers: frames may alternate between versions. */
    private record Decoder(FastScorer scorer, FastScorer.Scratch scratch, float[] x) {
    }

    @Override
    public Integer call() throws Exception {
        cfg = Cli.config(spec);
        out = spec.commandLine().getOut();
        err = spec.commandLine().getErr();
        if (max < 0) {
            throw new UsageError("--max must be 0 (no limit) or more, not " + max);
        }
        if (source.file != null && (times.given() || !keys.isEmpty() || follow)) {
            throw new UsageError("--from, --to, --key and --follow select frames of a topic: a --file has no timestamps or keys");
        }
        if (follow && times.to != null) {
            throw new UsageError("--to ends the range and --follow keeps decoding new frames: give one of them");
        }
        times.check();
        for (Path m : models) {
            use(Cli.loadBundle(m), "--model");
        }
        if (source.file != null) {
            decodeFile();
        } else {
            decodeTopic();
        }
        return ExitCodes.OK;
    }

    private void decodeFile() throws java.io.IOException {
        byte[] bytes = Files.readAllBytes(source.file);
        int pos = 0;
        long n = 0;
        while (pos < bytes.length && (max == 0 || n < max)) {
            LatentFrame.Decoded d;
            try {
                d = LatentFrame.decode(bytes, pos);
            } catch (LatentFrame.FrameException e) {
                throw new UsageError(source.file + " at byte " + pos + ": " + e.getMessage());
            }
            out.println(decode(d, context, new StringBuilder()));
            pos += d.length();
            n++;
        }
        out.flush();
        err.println("decoded " + n + " frame(s)" + (pos < bytes.length ? "; stopped at --max " + max + " before the end of the file" : ""));
        err.flush();
    }

    /** The frames of the topic's range ({@link TopicRange}), or every new one with --follow. */
    private void decodeTopic() throws Exception {
        Map<String, Object> props = KafkaClients.committedReader(cfg, cfg.require(Settings.BOOTSTRAP_SERVERS, "decode --topic"));
        Set<String> wanted = new HashSet<>(keys);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             TopicRange range = TopicRange.open(c, source.topic, times.from, times.to, follow)) {
            long[] skipped = {0};
            StringBuilder line = new StringBuilder();
            TopicRange.Shown decoded = range.showEach(max, out, err, "decode: %,d frame(s) written", r -> {
                String key = io.latentstream.codec.RecordKeys.text(r.key());
                if (!wanted.isEmpty() && !wanted.contains(key)) {
                    return false;
                }
                LatentFrame.Decoded d;
                try {
                    d = LatentFrame.decode(r.value(), 0);
                } catch (LatentFrame.FrameException e) {
                    err.println("skipping " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
                    skipped[0]++;
                    return false;
                }
                line.setLength(0);
                line.append(Instant.ofEpochMilli(r.timestamp())).append(',').append(csvField(key)).append(',');
                out.println(decode(d, context != null ? context : key, line));
                return true;
            });
            err.println(String.format(Locale.ROOT, "decoded %d frame(s) from %s (%d record(s) read%s%s)", decoded.count(), source.topic,
                    range.read(), skipped[0] == 0 ? "" : ", " + skipped[0] + " undecodable skipped", decoded.ending(max, follow)));
            err.flush();
        }
    }

    /** A CSV field (RFC 4180): quoted when it holds a comma, quote or line break; empty for no key. */
    static String csvField(String v) {
        if (v == null) {
            return "";
        }
        boolean quote = false;
        for (int i = 0; i < v.length() && !quote; i++) {
            char ch = v.charAt(i);
            quote = ch == ',' || ch == '"' || ch == '\n' || ch == '\r';
        }
        return quote ? '"' + v.replace("\"", "\"\"") + '"' : v;
    }

    /** Adds a decoder; the first one fixes the CSV header, which every later one must match. */
    private void use(ModelBundle b, String from) {
        if (header == null) {
            header = b.features();
            out.println((source.topic != null ? "timestamp,key," : "") + "model_version," + String.join(",", header));
        } else if (!header.equals(b.features())) {
            throw new UsageError("model v" + b.version() + " (" + from + ") has features " + b.features()
                    + ", not the " + header + " of the versions before it");
        }
        FastScorer s = new FastScorer(b);
        byVersion.put(b.version(), new Decoder(s, s.newScratch(), new float[s.inputDim()]));
        Double nrmse = b.manifest().validation().get("nrmse");
        err.println(String.format(Locale.ROOT, "model v%d (%s)", b.version(), from) + (nrmse == null ? ""
                : String.format(Locale.ROOT, ": expected reconstruction error NRMSE %.3f (standardized, validation rows)", nrmse)));
        err.flush();
    }

    /** The decoder of a version: a --model bundle, else the verified bundle on the models topic. */
    private Decoder decoderOf(long version) {
        Decoder known = byVersion.get(version);
        if (known != null) {
            return known;
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
        use(v.bundle(), topic);
        return byVersion.get(version);
    }

    /** Appends model_version and the decoded features to {@code line}. */
    private StringBuilder decode(LatentFrame.Decoded d, String ctx, StringBuilder line) {
        Decoder dec = decoderOf(d.modelVersion());
        FastScorer s = dec.scorer();
        if (d.values().length != s.latentDim()) {
            throw new UsageError("a frame of dimension " + d.values().length + " does not fit model v" + s.version()
                    + " (latent " + s.latentDim() + ")");
        }
        s.decode(d.values(), s.contextSlot(ctx), dec.x(), dec.scratch());
        line.append(d.modelVersion());
        for (float v : dec.x()) {
            line.append(',').append(v);
        }
        return line;
    }
}
