package io.latentstream.cli;

import io.latentstream.codec.BadRecordException;
import io.latentstream.codec.DeadLetterReason;
import io.latentstream.codec.InputFormat;
import io.latentstream.codec.ParsedRecord;
import io.latentstream.codec.RecordParser;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The records of a topic's time range parsed as the processor parses them, for the commands that
 * learn something from a stream's recent records: `train --topic` (training rows, {@link
 * TopicTrainingRows}) and `models threshold` (scores). The ones the processor would dead-letter are
 * counted by reason and left out; a long range is sampled in stretches.
 */
final class ParsedRange {
    private ParsedRange() {
    }

    /**
     * The processor's parser for these features (input.format, the size bound, the json field names,
     * input.missing.max: a record lacking some features parses, NaN in their slots).
     */
    static RecordParser parser(AppConfig cfg, List<String> features, boolean conditional) {
        return new RecordParser(InputFormat.parse(cfg.getString(Settings.INPUT_FORMAT)), features,
                cfg.getInt(Settings.INPUT_MAX_RECORD_BYTES), conditional, Settings.jsonFields(cfg))
                .allowingMissing(cfg.getInt(Settings.INPUT_MISSING_MAX));
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
                if (range.progressDue()) {
                    w.printf(Locale.ROOT, "  %s, %,d parsed%n", range.readSoFar(), parsed);
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
