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
        InputFormat format = InputFormat.parse(cfg.getString(Settings.INPUT_FORMAT));
        RecordParser parser = new RecordParser(format, features, cfg.getInt(Settings.INPUT_MAX_RECORD_BYTES), conditional,
                Settings.jsonFields(cfg));
        List<double[]> rows = new ArrayList<>();
        List<String> contexts = new ArrayList<>();
        Random rnd = new Random(seed);
        Scan scan = scan(cfg, "train --topic", topic, from, to, parser, String.format(Locale.ROOT, "%s, %d features%s", format.id(),
                features.size(), conditional ? ", conditional on each record's context or key" : ""), maxRows, (rec, parsed) -> {
                    int slot = reservoirSlot(rnd, parsed, maxRows);
                    if (slot < 0) {
                        return;
                    }
                    double[] row = new double[rec.dim];
                    for (int j = 0; j < rec.dim; j++) {
                        row[j] = rec.features[j];
                    }
                    if (slot == rows.size()) {
                        rows.add(row);
                        contexts.add(rec.context);
                    } else {
                        rows.set(slot, row);
                        contexts.set(slot, rec.context);
                    }
                }, w);
        long read = scan.read();
        long parsed = scan.parsed();
        if (parsed < 3) { // the trainer's minimum: say why, rather than "need at least 3 rows"
            throw new UsageError((parsed == 0 ? "no record" : "only " + parsed + " record(s)") + " of " + topic
                    + (read == 0 ? " in the range" : " parsed as input.format=" + format.id() + " with the features " + features
                    + (scan.refused().isEmpty() ? "" : "; the others: " + scan.why())) + "; too few to train on");
        }
        scan.warnIfMostLeftOut(w);
        w.printf(Locale.ROOT, "read %,d records%s: %,d parsed%s; training on %,d%s%n", read, scan.sampled(), parsed, scan.leftOut(),
                rows.size(), parsed > rows.size() ? " (a uniform sample, --max-records)" : "");
        w.flush();
        Map<String, String> window = new LinkedHashMap<>();
        window.put("topic", topic);
        window.put("from", from == null ? "start" : from.toString());
        window.put("to", to == null ? "end when read" : to.toString());
        window.put("records", Long.toString(parsed));
        if (scan.inRange() >= 0) {
            window.put("sampled_from", Long.toString(scan.inRange())); // offsets in the range; "records" parsed of the stretches
        }
        TrainingData data = new TrainingData(features, rows.toArray(new double[0][]),
                conditional ? contexts.toArray(new String[0]) : null, conditional ? "context" : null, topic);
        return new Result(data, read, parsed, scan.refused(), window);
    }

    /** Receives each record that parses, with how many have parsed so far (this one included). */
    interface ParsedSink {
        void accept(ParsedRecord record, long parsed);
    }

    /** What reading a range found: records read, parsed, and the others by dead-letter reason with the first message. */
    record Scan(long read, long parsed, Map<DeadLetterReason, Long> refused, Map<DeadLetterReason, String> firstMessage,
                long inRange) {
        /** " (stretches of the 1,000,000 in the range, --max-records)" for a sampled read, else nothing. */
        String sampled() {
            return inRange < 0 ? "" : String.format(Locale.ROOT, " (stretches of the %,d in the range, --max-records)", inRange);
        }

        /** "BAD_JSON 3 (first: ...); DIM_MISMATCH 1 (first: ...)". */
        String why() {
            StringBuilder why = new StringBuilder();
            refused.forEach((reason, n) -> why.append(why.length() == 0 ? "" : "; ").append(reason).append(' ').append(n)
                    .append(" (first: ").append(firstMessage.get(reason)).append(')'));
            return why.toString();
        }

        /** ", 5 left out as the processor would dead-letter them: ..." or nothing. */
        String leftOut() {
            return refused.isEmpty() ? "" : ", " + (read - parsed) + " left out as the processor would dead-letter them: " + why();
        }

        void warnIfMostLeftOut(PrintWriter w) {
            if (read - parsed > parsed) {
                w.println("warning: most records were left out: check input.format and the features against what the topic holds");
            }
        }
    }

    /**
     * Reads the records of {@code topic} in the range as a read_committed consumer (what the processor
     * under exactly_once_v2 reads), parses each as the processor would, hands the ones that parse to
     * {@code sink} and counts the others by reason; progress every 5 s. A range of more than twice
     * {@code budget} records is sampled in stretches ({@link TopicRange#openSampled}).
     */
    static Scan scan(AppConfig cfg, String command, String topic, Instant from, Instant to, RecordParser parser, String what,
                     long budget, ParsedSink sink, PrintWriter w) {
        Map<String, Object> props = KafkaClients.committedReader(cfg, cfg.require(Settings.BOOTSTRAP_SERVERS, command));
        Map<DeadLetterReason, Long> refused = new EnumMap<>(DeadLetterReason.class);
        Map<DeadLetterReason, String> firstMessage = new EnumMap<>(DeadLetterReason.class);
        long parsed = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicRange range = TopicRange.openSampled(c, topic, from, to, budget);
            if (range.rangeRecords() < 0) {
                w.printf(Locale.ROOT, "reading %s (%s): at most %,d records%n", topic, what, range.size());
            } else {
                w.printf(Locale.ROOT, "reading %s (%s): %,d records in the range, more than twice the %,d wanted: reading about "
                        + "%,d of them in %,d evenly spaced stretches%n", topic, what, range.rangeRecords(), budget, range.size(),
                        range.stretchCount());
            }
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
                    sink.accept(rec, ++parsed);
                }
                if (System.nanoTime() - lastProgress > PROGRESS_NANOS) {
                    lastProgress = System.nanoTime();
                    w.printf(Locale.ROOT, "  read %,d of at most %,d records, %,d parsed%n", range.read(), range.size(), parsed);
                    w.flush();
                }
            }
            return new Scan(range.read(), parsed, refused, firstMessage, range.rangeRecords());
        }
    }

    /**
     * Reservoir sampling (Algorithm R), so a uniform sample of at most {@code capacity} items whatever
     * the count: where the {@code seen}-th item goes (the next free slot while there is one, else a
     * random slot to replace), or -1 when it is not taken.
     */
    static int reservoirSlot(Random rnd, long seen, int capacity) {
        if (seen <= capacity) {
            return (int) (seen - 1);
        }
        long k = (long) (rnd.nextDouble() * seen);
        return k < capacity ? (int) k : -1;
    }
}
