package io.latentstream.cli;

import io.latentstream.codec.BadRecordException;
import io.latentstream.codec.DeadLetterReason;
import io.latentstream.codec.InputFormat;
import io.latentstream.codec.ParsedRecord;
import io.latentstream.codec.RecordParser;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.model.TrainingData;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Training rows from a Kafka topic, for a first model where there is no CSV history: the records of
 * a time range ({@link TopicRange}), parsed exactly as the processor parses them (input.format, the
 * feature names, the context), a uniform sample of at most {@code maxRows} of them (reservoir), and
 * a count by dead-letter reason of the ones the processor would dead-letter, which are left out.
 */
final class TopicTrainingRows {
    private static final long PROGRESS_NANOS = 5_000_000_000L;

    /** The rows and what reading them found. */
    record Result(TrainingData data, long read, long parsed, Map<DeadLetterReason, Long> refused, Map<String, String> window) {
    }

    private TopicTrainingRows() {
    }

    static Result read(AppConfig cfg, String topic, Instant from, Instant to, List<String> features, boolean conditional,
                       int maxRows, long seed, PrintWriter w) {
        // read_committed: what the processor (exactly_once_v2) reads
        Map<String, Object> props = KafkaClients.committedReader(cfg, cfg.require(Settings.BOOTSTRAP_SERVERS, "train --topic"));
        InputFormat format = InputFormat.parse(cfg.getString(Settings.INPUT_FORMAT));
        RecordParser parser = new RecordParser(format, features, cfg.getInt(Settings.INPUT_MAX_RECORD_BYTES), conditional,
                Settings.jsonFields(cfg));
        List<double[]> rows = new ArrayList<>();
        List<String> contexts = new ArrayList<>();
        Map<DeadLetterReason, Long> refused = new EnumMap<>(DeadLetterReason.class);
        Map<DeadLetterReason, String> firstMessage = new EnumMap<>(DeadLetterReason.class);
        Random rnd = new Random(seed);
        long parsed = 0;
        long read;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicRange range = TopicRange.open(c, topic, from, to, false);
            w.printf(Locale.ROOT, "reading %s (%s, %d features%s): at most %,d records%n", topic, format.id(), features.size(),
                    conditional ? ", conditional on each record's context or key" : "", range.size());
            w.flush();
            long lastProgress = System.nanoTime();
            while (!range.finished()) {
                for (ConsumerRecord<byte[], byte[]> r : range.poll()) {
                    ParsedRecord rec;
                    try {
                        rec = parser.parse(r.key(), r.value());
                    } catch (BadRecordException e) {
                        refused.merge(e.reason(), 1L, Long::sum);
                        firstMessage.putIfAbsent(e.reason(), e.getMessage());
                        continue;
                    }
                    parsed++;
                    double[] row = new double[rec.dim];
                    for (int j = 0; j < rec.dim; j++) {
                        row[j] = rec.features[j];
                    }
                    if (rows.size() < maxRows) {
                        rows.add(row);
                        contexts.add(rec.context);
                    } else {
                        long k = (long) (rnd.nextDouble() * parsed); // reservoir (Algorithm R): a uniform sample
                        if (k < maxRows) {
                            rows.set((int) k, row);
                            contexts.set((int) k, rec.context);
                        }
                    }
                }
                if (System.nanoTime() - lastProgress > PROGRESS_NANOS) {
                    lastProgress = System.nanoTime();
                    w.printf(Locale.ROOT, "  read %,d of at most %,d records, %,d parsed%n", range.read(), range.size(), parsed);
                    w.flush();
                }
            }
            read = range.read();
        }
        StringBuilder why = new StringBuilder();
        refused.forEach((reason, n) -> why.append(why.length() == 0 ? "" : "; ").append(reason).append(' ').append(n)
                .append(" (first: ").append(firstMessage.get(reason)).append(')'));
        if (parsed < 3) { // the trainer's minimum: say why, rather than "need at least 3 rows"
            throw new UsageError((parsed == 0 ? "no record" : "only " + parsed + " record(s)") + " of " + topic
                    + (read == 0 ? " in the range" : " parsed as input.format=" + format.id() + " with the features " + features
                    + (why.length() == 0 ? "" : "; the others: " + why)) + "; too few to train on");
        }
        if (read - parsed > parsed) {
            w.println("warning: most records were left out: check input.format and --features against what the topic holds");
        }
        w.printf(Locale.ROOT, "read %,d records: %,d parsed%s; training on %,d%s%n", read, parsed,
                refused.isEmpty() ? "" : ", " + (read - parsed) + " left out as the processor would dead-letter them: " + why,
                rows.size(), parsed > rows.size() ? " (a uniform sample, --max-records)" : "");
        w.flush();
        Map<String, String> window = new LinkedHashMap<>();
        window.put("topic", topic);
        window.put("from", from == null ? "start" : from.toString());
        window.put("to", to == null ? "end when read" : to.toString());
        window.put("records", Long.toString(parsed));
        TrainingData data = new TrainingData(features, rows.toArray(new double[0][]),
                conditional ? contexts.toArray(new String[0]) : null, conditional ? "context" : null, topic);
        return new Result(data, read, parsed, refused, window);
    }
}
