package io.latentstream.cli;

import io.latentstream.codec.LatentFrame;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
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
                + "with the decoder of the model version that made each frame. A frame from a version no --model "
                + "bundle has is refused.",
            "Conditional models decode with the frame's record key as context (topic) or --context (file)."},
        footer = {"", "Examples:",
            "  latentstream decode --model model.lsb --topic latentstream.latents --bootstrap-server localhost:9092 --max 100",
            "  latentstream decode --model v1.lsb --model v2.lsb --file frames.bin"})
public final class DecodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL.lsb",
            description = "Bundle(s) whose decoder to use, matched to each frame by model version (repeatable).")
    List<Path> models;

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

    @Override
    public Integer call() throws Exception {
        for (Path m : models) {
            ModelBundle b = Cli.loadBundle(m);
            if (header != null && !header.equals(b.features())) {
                throw new UsageError("the --model bundles have different features");
            }
            header = b.features();
            byVersion.put(b.version(), new FastScorer(b));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        out.println("model_version," + String.join(",", header));
        byVersion.values().forEach(s -> {
            Double nrmse = s.bundle().manifest().validation().get("nrmse");
            if (nrmse != null) {
                err.printf(Locale.ROOT, "model v%d: expected reconstruction error NRMSE %.3f (standardized, validation rows)%n",
                        s.version(), nrmse);
            }
        });
        err.flush();
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
                emit(d, context, out);
                pos += d.length();
                n++;
            }
        } else {
            AppConfig cfg = Cli.config(spec);
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
                        emit(d, ctx, out);
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

    private void emit(LatentFrame.Decoded d, String ctx, PrintWriter out) {
        FastScorer s = byVersion.get(d.modelVersion());
        if (s == null) {
            throw new UsageError("a frame was made by model version " + d.modelVersion() + " but the given bundle(s) are version(s) "
                    + byVersion.keySet() + "; pass --model with the bundle of version " + d.modelVersion());
        }
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
