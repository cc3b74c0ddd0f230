package io.latentstream.topology;

import io.latentstream.codec.BadRecordException;
import io.latentstream.codec.InputFormat;
import io.latentstream.codec.LatentFrame;
import io.latentstream.codec.ParsedRecord;
import io.latentstream.codec.RecordParser;
import io.latentstream.codec.ScoreRecordWriter;
import io.latentstream.model.FastScorer;
import io.latentstream.model.StuckReadings;
import io.latentstream.ops.Meters;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Parses, scores and routes one input record: a bad record goes to the dead-letter sink with its
 * original bytes and reason headers; a good one yields a latent frame and a score record (unless
 * scores.enabled=false), plus an anomaly record when flagged and a sample when sampled. One instance per task.
 */
final class ScoringProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private final ModelRef model;
    private final Meters meters;
    private final InputFormat format;
    private final int maxBytes;
    private final LatentFrame.Encoding encoding;
    private final double sampleFraction;
    private final int topFeatures;
    private final boolean everyScore;
    private final int dlqMaxBytes;
    private final io.latentstream.codec.JsonFields jsonFields;
    private final int maxMissing;
    private final int stuckReadings;
    private final java.util.Set<String> stuckIgnore;
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.UTF_8);
    private static final byte[] STUCK = "stuck".getBytes(StandardCharsets.UTF_8);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ScoringProcessor.class);
    private ProcessorContext<byte[], byte[]> ctx;

    // Per-model working state, rebuilt when the model changes.
    private FastScorer scorer;
    private FastScorer.Scratch scratch;
    private RecordParser parser;
    private ScoreRecordWriter writer;
    private byte[] versionHeader;
    private StuckReadings stuck; // score.stuck.readings > 0; runs carry over a model change of the same features

    ScoringProcessor(ModelRef model, Meters meters, InputFormat format, int maxBytes, LatentFrame.Encoding encoding,
                     double sampleFraction, int topFeatures, boolean everyScore, int dlqMaxBytes,
                     io.latentstream.codec.JsonFields jsonFields, int maxMissing, int stuckReadings, java.util.Set<String> stuckIgnore) {
        this.model = model;
        this.meters = meters;
        this.format = format;
        this.maxBytes = maxBytes;
        this.encoding = encoding;
        this.sampleFraction = sampleFraction;
        this.topFeatures = topFeatures;
        this.everyScore = everyScore;
        this.dlqMaxBytes = dlqMaxBytes;
        this.jsonFields = jsonFields;
        this.maxMissing = maxMissing;
        this.stuckReadings = stuckReadings;
        this.stuckIgnore = stuckIgnore;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.ctx = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long t0 = System.nanoTime();
        meters.recordIn();
        FastScorer s = model.current();
        if (s == null) {
            // run() does not start the streams before a model is loaded; reaching this is a bug.
            throw new IllegalStateException("no model loaded");
        }
        if (s != scorer) {
            switchTo(s);
        }
        RecordMetadata md = ctx.recordMetadata().orElse(null);
        String topic = md == null ? "" : md.topic();
        int partition = md == null ? -1 : md.partition();
        long offset = md == null ? -1 : md.offset();
        ParsedRecord r;
        try {
            r = parser.parse(record.key(), record.value());
        } catch (BadRecordException e) {
            deadLetter(record, e, topic, partition, offset);
            return;
        }
        int slot = scorer.contextSlot(r.context);
        // A record without some features (input.missing.max) is scored on the rest, the model imputing them.
        double score = scorer.score(r.features, slot, r.missing, scratch);
        boolean flaggedByScore = scorer.isAnomaly(score, r.missing);
        // A stuck sensor (score.stuck.readings) flags the record whatever its score.
        int stuckCount = stuck == null ? 0 : stuck.observe(r.context != null ? r.context : r.key, r.features);
        boolean anomaly = flaggedByScore || stuckCount > 0;
        long ts = r.timestamp >= 0 ? r.timestamp : record.timestamp();
        // Source position on every output, so any consumer (and the exactly-once audit) can trace it back.
        Headers h = new RecordHeaders().add(DeadLetterHeaders.MODEL_VERSION, versionHeader)
                .add(DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8))
                .add(DeadLetterHeaders.SOURCE_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        byte[] frame = LatentFrame.encode(scorer.version(), scratch.latent, scorer.latentDim(), encoding);
        ctx.forward(new Record<>(record.key(), frame, record.timestamp(), h), TopologyFactory.LATENTS_SINK);
        if (everyScore || anomaly) {
            String key = r.key;
            byte[] json = writer.write(score, scorer.threshold(), anomaly, scorer.version(), ts, topic, partition, offset, key,
                    scorer.conditional() ? r.context : null, r.features, scratch.expected, scratch.contributions, r.missing,
                    stuck == null ? null : stuck.runs(), stuckCount);
            if (everyScore) {
                ctx.forward(new Record<>(record.key(), json, record.timestamp(), h), TopologyFactory.SCORES_SINK);
            }
            if (anomaly) {
                // Flagged only for a stuck sensor: marked, so the retrainer's drift watch, which compares the
                // model's flag rate with its calibration, leaves it out (retraining does not mend a sensor).
                Headers ah = flaggedByScore ? h : new RecordHeaders(h.toArray()).add(DeadLetterHeaders.FLAGGED_BY, STUCK);
                ctx.forward(new Record<>(record.key(), json, record.timestamp(), ah), TopologyFactory.ANOMALIES_SINK);
            }
        }
        // A sample copies the input whole: one too large to write (within ~100 bytes of the limit) is not
        // taken, as it would stop the partition; samples are a statistical draw, so nothing is lost. Nor is
        // one lacking features: the retrainer trains on whole records.
        if (r.missing == 0 && sampleFraction > 0 && sampled(topic, partition, offset)
                && (record.key() == null ? 0 : record.key().length) + record.value().length + SAMPLE_HEADER_BYTES + FRAMING_BYTES <= dlqMaxBytes) {
            // Flagged records are sampled too, marked: routine retrains skip them (a window with an
            // incident must not teach it as normal); an operator's re-baseline after a real level
            // shift trains on them.
            Headers sh = new RecordHeaders().add(DeadLetterHeaders.MODEL_VERSION, versionHeader)
                    .add(DeadLetterHeaders.FORMAT, format.id().getBytes(StandardCharsets.UTF_8))
                    .add(DeadLetterHeaders.ANOMALY, anomaly ? TRUE : FALSE);
            ctx.forward(new Record<>(record.key(), record.value(), record.timestamp(), sh), TopologyFactory.SAMPLES_SINK);
            meters.sampled();
        }
        if (r.missing > 0) {
            meters.imputed();
        }
        if (stuckCount > 0) {
            meters.stuck();
        }
        meters.scored(score, flaggedByScore, System.nanoTime() - t0);
    }

    private void switchTo(FastScorer s) {
        scorer = s;
        scratch = s.newScratch();
        parser = new RecordParser(format, s.bundle().features(), maxBytes, s.conditional(), jsonFields).allowingMissing(maxMissing);
        writer = new ScoreRecordWriter(s.bundle().features(), topFeatures);
        versionHeader = Long.toString(s.version()).getBytes(StandardCharsets.UTF_8);
        List<String> features = s.bundle().features();
        if (stuckReadings > 0 && (stuck == null || !features.equals(stuck.features()))) {
            stuck = new StuckReadings(features, stuckReadings, stuckIgnore, StuckReadings.DEFAULT_MAX_ENTITIES);
            List<String> unknown = StuckReadings.unknown(features, stuckIgnore);
            if (!unknown.isEmpty()) { // the start checked the first model (Settings.stuckIgnore); a later one is logged
                LOG.warn("score.stuck.ignore names {}, which model v{} does not have (its features: {})", unknown, s.version(), features);
            }
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, BadRecordException e, String topic, int partition, long offset) {
        Headers h = new RecordHeaders(record.headers().toArray());
        h.add(DeadLetterHeaders.REASON, e.reason().name().getBytes(StandardCharsets.UTF_8));
        h.add(DeadLetterHeaders.EXCEPTION_CLASS, e.getClass().getName().getBytes(StandardCharsets.UTF_8));
        h.add(DeadLetterHeaders.EXCEPTION_MESSAGE, String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
        h.add(DeadLetterHeaders.SOURCE_TOPIC, topic.getBytes(StandardCharsets.UTF_8));
        h.add(DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        h.add(DeadLetterHeaders.SOURCE_OFFSET, Long.toString(offset).getBytes(StandardCharsets.UTF_8));
        byte[] value = fitted(record.key(), record.value(), h, dlqMaxBytes);
        ctx.forward(new Record<>(record.key(), value, record.timestamp(), h), TopologyFactory.DLQ_SINK);
        meters.deadLettered(e.reason());
    }

    /** Room for the record batch and record framing (varints, attributes) around key, value and headers. */
    static final int FRAMING_BYTES = 256;
    /** A sample's headers (model version, format, anomaly flag) with their framing, at most. */
    static final int SAMPLE_HEADER_BYTES = 96;

    /**
     * The value a dead letter can carry within {@code maxBytes}: the original, or its start with
     * {@code ls.value.truncated} and {@code ls.value.bytes} added to {@code h}. A record over the
     * producer's max.request.size or the topic's max.message.bytes cannot be written at all: Kafka
     * Streams would fail the task on it again after every restart, and nothing behind it in the
     * partition would be processed.
     */
    static byte[] fitted(byte[] key, byte[] value, Headers h, int maxBytes) {
        if (value == null) {
            return null;
        }
        int other = FRAMING_BYTES + (key == null ? 0 : key.length);
        for (org.apache.kafka.common.header.Header x : h) {
            other += x.key().getBytes(StandardCharsets.UTF_8).length + (x.value() == null ? 0 : x.value().length) + 10;
        }
        byte[] size = Integer.toString(value.length).getBytes(StandardCharsets.UTF_8);
        other += DeadLetterHeaders.VALUE_TRUNCATED.length() + TRUE.length + DeadLetterHeaders.VALUE_BYTES.length() + size.length + 20;
        if (value.length + other <= maxBytes) {
            return value;
        }
        h.add(DeadLetterHeaders.VALUE_TRUNCATED, TRUE);
        h.add(DeadLetterHeaders.VALUE_BYTES, size);
        return java.util.Arrays.copyOf(value, Math.max(0, maxBytes - other));
    }

    /** Deterministic in (topic, partition, offset): a replay after a crash samples the same records. */
    private boolean sampled(String topic, int partition, long offset) {
        long x = offset * 0x9E3779B97F4A7C15L + partition * 0xC2B2AE3D27D4EB4FL + topic.hashCode();
        x ^= x >>> 33;
        x *= 0xFF51AFD7ED558CCDL;
        x ^= x >>> 33;
        return (x >>> 11) * 0x1.0p-53 < sampleFraction;
    }
}
