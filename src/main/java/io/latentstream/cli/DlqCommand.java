package io.latentstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentstream.codec.DeadLetterReason;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.topology.DeadLetterHeaders;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/** {@code latentstream dlq}: what was dead-lettered, why, from where, with the original bytes. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = {"Show the dead letters on <prefix>.dlq (read_committed): for each, its record timestamp (the input's), "
                + "source topic-partition@offset, key, stable reason code, the parser's message and the original value "
                + "(unchanged, unless cut to fit dlq.max.record.bytes), in record-time order across partitions. Filter by time (--from, --to), reason (--reason) or key (--key); "
                + "--follow shows new ones as they are committed.",
            "Text lines show the value as text when it is UTF-8 (control characters escaped, long ones cut) and as hex "
                + "when it is not (f32); --json writes one JSON object per dead letter with the exact bytes in value_base64, "
                + "e.g. to fix and re-send them (value_truncated says when a value was cut; the whole one is at the "
                + "source offset). A failure Kafka Streams' own handler caught (headers __streams.errors.*) shows as "
                + "PROCESSING_ERROR. The count per reason goes to standard error at the end (also when Ctrl-C ends a --follow).",
            "--replay-to TOPIC sends the dead letters shown, once the cause is fixed (a model for the new feature set, a "
                + "larger input.max.record.bytes, a producer bug), to TOPIC (usually the input topic) as they arrived: original "
                + "key, value, headers and timestamp. Each run sends them again: select with --reason, --key, --from/--to."},
        footer = {"", "Examples:",
            "  latentstream dlq -b localhost:9092 --from 1h",
            "  latentstream dlq -b localhost:9092 --reason DIM_MISMATCH --reason BAD_JSON --max 20",
            "  latentstream dlq --config app.properties --key pump-7 --json > pump-7-dead-letters.jsonl",
            "  latentstream dlq -b localhost:9092 --from 0s --follow   # new dead letters only",
            "  latentstream dlq --config app.properties --reason DIM_MISMATCH --from 2026-11-26T08:00:00Z --replay-to sensors"})
public final class DlqCommand implements Callable<Integer> {
    /** Kafka Streams' own dead-letter headers (KIP-1034), on what its exception handlers route to the same topic. */
    static final String STREAMS_EXCEPTION = "__streams.errors.exception";
    static final String STREAMS_MESSAGE = "__streams.errors.message";
    static final String STREAMS_TOPIC = "__streams.errors.topic";
    static final String STREAMS_PARTITION = "__streams.errors.partition";
    static final String STREAMS_OFFSET = "__streams.errors.offset";
    private static final int TEXT_CHARS = 120;
    private static final int HEX_BYTES = 32;

    @Spec
    CommandSpec spec;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Dead-letter topic. Default: <topic.prefix>.dlq.")
    String topic;

    @Mixin
    TimeRangeOptions times;

    @Option(names = "--reason", paramLabel = "REASON", description = "Only this reason (repeatable): BAD_JSON, BAD_CSV, "
            + "F32_ALIGN, DIM_MISMATCH, NON_FINITE, OVERSIZE, EMPTY, BAD_CONTEXT, PROCESSING_ERROR.")
    List<String> reasons = List.of();

    @Option(names = "--key", paramLabel = "KEY", description = "Only dead letters with this record key, the entity id (repeatable); a binary "
            + "key (e.g. LongSerializer's) as 0x and its bytes in hex, a Kafka Connect JsonConverter key as its payload.")
    List<String> keys = List.of();

    @Option(names = "--json", description = "One JSON object per line, with the exact value in value_base64.")
    boolean json;

    @Option(names = "--follow", description = "After the dead letters committed at start, keep showing new ones as they are "
            + "committed, until Ctrl-C or --max.")
    boolean follow;

    @Option(names = "--max", paramLabel = "N", defaultValue = "0", description = "Stop after this many (0 = no limit). "
            + "Default: ${DEFAULT-VALUE}.")
    long max;

    @Option(names = "--replay-to", paramLabel = "TOPIC", description = "Also send each dead letter shown to TOPIC as it "
            + "arrived (key, value, its own headers, timestamp), e.g. back to the input topic once the cause is fixed.")
    String replayTo;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One dead letter as read from its headers, whichever handler wrote it. */
    record DeadLetter(long timestamp, String key, String reason, String exceptionClass, String message, String sourceTopic,
                      String sourcePartition, String sourceOffset, byte[] value, Long originalBytes, Map<String, String> otherHeaders) {
        /** topic-partition@offset of the input record. */
        String source() {
            return sourceTopic + "-" + sourcePartition + "@" + sourceOffset;
        }
    }

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = Cli.config(spec);
        if (max < 0) {
            throw new UsageError("--max must be 0 (no limit) or more, not " + max);
        }
        if (replayTo != null && follow) {
            throw new UsageError("--replay-to sends a chosen set of dead letters once; it does not go with --follow");
        }
        if (follow && times.to != null) {
            throw new UsageError("--to ends the range and --follow keeps showing new dead letters: give one of them");
        }
        times.check();
        Set<String> known = Arrays.stream(DeadLetterReason.values()).map(Enum::name).collect(Collectors.toSet());
        for (String r : reasons) {
            if (!known.contains(r)) {
                throw new UsageError("--reason " + r + " is not a reason code; they are " + Arrays.toString(DeadLetterReason.values()));
            }
        }
        Topics topics = Topics.from(cfg);
        String dlq = topic != null ? topic : topics.dlq();
        if (replayTo != null && (topics.written().contains(replayTo) || replayTo.equals(dlq))) {
            throw new UsageError("--replay-to " + replayTo + " is a topic latentstream writes; replay to the input topic ("
                    + topics.input() + ")");
        }
        Set<String> wantedReasons = new HashSet<>(reasons);
        Set<String> wantedKeys = new HashSet<>(keys);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, Long> byReason = new TreeMap<>();
        String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, "dlq");
        Map<String, Object> props = KafkaClients.committedReader(cfg, bootstrap);
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<byte[], byte[]> replay = replayTo == null ? null : replayProducer(cfg, bootstrap)) {
            // The consumer answers "no such topic" at once; the producer would wait max.block.ms for it.
            if (replay != null && c.partitionsFor(replayTo, java.time.Duration.ofSeconds(30)).isEmpty()) {
                throw new UsageError("--replay-to " + replayTo + ": no such topic");
            }
            try (TopicRange range = TopicRange.open(c, dlq, times.from, times.to, follow)) {
                TopicRange.Shown shown = range.showEach(max, out, err, "dlq: %,d shown", r -> {
                    DeadLetter d = read(r);
                    if ((!wantedReasons.isEmpty() && !wantedReasons.contains(d.reason()))
                            || (!wantedKeys.isEmpty() && !wantedKeys.contains(d.key()))) {
                        return false;
                    }
                    out.println(json ? json(d) : text(d));
                    if (replay != null && d.originalBytes() != null) {
                        err.println("not replayed (its value was cut to fit the dead-letter topic; the whole one is at "
                                + d.source() + ")");
                    } else if (replay != null) {
                        sent.add(replay.send(new ProducerRecord<>(replayTo, null, d.timestamp(), r.key(), d.value(), originalHeaders(r))));
                    }
                    byReason.merge(d.reason(), 1L, Long::sum);
                    return true;
                });
                err.println(String.format(Locale.ROOT, "%,d dead letter(s) shown from %s (%,d record(s) read%s)%s", shown.count(), dlq,
                        range.read(), shown.ending(max, follow), byReason.isEmpty() ? ""
                                : ": " + byReason.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))));
                err.flush();
            }
            if (replay != null) {
                replay.flush();
                for (Future<RecordMetadata> f : sent) {
                    f.get(); // a failed send fails the command, after the ones before it were sent
                }
                err.println(String.format(Locale.ROOT, "replayed %,d dead letter(s) to %s", sent.size(), replayTo));
                err.flush();
            }
        }
        return ExitCodes.OK;
    }

    private static KafkaProducer<byte[], byte[]> replayProducer(AppConfig cfg, String bootstrap) {
        Map<String, Object> p = new HashMap<>(cfg.kafkaClientOverrides());
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("enable.idempotence", "true"); // no duplicates from the producer's own retries
        p.put("max.block.ms", "30000");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The input's own headers: the dead letter's minus the ones the processor or Kafka Streams added. */
    static RecordHeaders originalHeaders(ConsumerRecord<byte[], byte[]> r) {
        RecordHeaders h = new RecordHeaders();
        for (Header x : r.headers()) {
            if (!x.key().startsWith("ls.") && !x.key().startsWith("__streams.errors.")) {
                h.add(x);
            }
        }
        return h;
    }

    /** The dead letter in a record of the topic: ours (ls.*), Kafka Streams' (__streams.errors.*), or neither. */
    static DeadLetter read(ConsumerRecord<byte[], byte[]> r) {
        Map<String, String> other = new TreeMap<>();
        for (Header h : originalHeaders(r)) {
            other.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        String key = io.latentstream.codec.RecordKeys.text(r.key());
        String reason = header(r, DeadLetterHeaders.REASON);
        if (reason != null) {
            // Cut to fit dlq.max.record.bytes: the size of the original, which stays at the source offset.
            Long original = "true".equals(header(r, DeadLetterHeaders.VALUE_TRUNCATED)) ? number(header(r, DeadLetterHeaders.VALUE_BYTES)) : null;
            return new DeadLetter(r.timestamp(), key, reason, header(r, DeadLetterHeaders.EXCEPTION_CLASS),
                    header(r, DeadLetterHeaders.EXCEPTION_MESSAGE), header(r, DeadLetterHeaders.SOURCE_TOPIC),
                    header(r, DeadLetterHeaders.SOURCE_PARTITION), header(r, DeadLetterHeaders.SOURCE_OFFSET), r.value(), original, other);
        }
        if (header(r, STREAMS_EXCEPTION) != null) {
            return new DeadLetter(r.timestamp(), key, DeadLetterReason.PROCESSING_ERROR.name(), header(r, STREAMS_EXCEPTION),
                    header(r, STREAMS_MESSAGE), header(r, STREAMS_TOPIC), header(r, STREAMS_PARTITION), header(r, STREAMS_OFFSET),
                    r.value(), null, other);
        }
        // Something else wrote to the topic: shown with its own position, so it can be found.
        return new DeadLetter(r.timestamp(), key, "UNKNOWN", null, "no dead-letter headers (not written by latentstream); "
                + "this record is " + r.topic() + "-" + r.partition() + "@" + r.offset(), null, null, null, r.value(), null, other);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** One line: time, source, key, reason, message, the value. */
    static String text(DeadLetter d) {
        return Instant.ofEpochMilli(d.timestamp()) + "  " + (d.sourceTopic() == null ? "?" : d.source()) + "  " + (d.key() == null ? "(no key)" : d.key()) + "  "
                + d.reason() + "  " + (d.message() == null ? "" : d.message()) + "  " + preview(d.value())
                + (d.originalBytes() == null ? "" : "  [cut to " + d.value().length + " of " + d.originalBytes()
                + " bytes; the whole value is at the source offset]");
    }

    /**
     * The value for a terminal: UTF-8 text in quotes with control characters escaped and long text
     * cut, else hex (an f32 record), with its size when either is shortened.
     */
    static String preview(byte[] v) {
        if (v == null) {
            return "(null)";
        }
        if (v.length == 0) {
            return "(empty)";
        }
        String s = utf8(v);
        if (s == null) {
            StringBuilder hex = new StringBuilder("hex ");
            for (int i = 0; i < Math.min(v.length, HEX_BYTES); i++) {
                hex.append(String.format(Locale.ROOT, "%02x", v[i]));
            }
            return hex + (v.length > HEX_BYTES ? "... (" + v.length + " bytes)" : "");
        }
        StringBuilder t = new StringBuilder("\"");
        int cps = 0;
        for (int i = 0; i < s.length() && cps < TEXT_CHARS; i = s.offsetByCodePoints(i, 1), cps++) {
            int cp = s.codePointAt(i);
            switch (cp) {
                case '\n' -> t.append("\\n");
                case '\r' -> t.append("\\r");
                case '\t' -> t.append("\\t");
                case '"' -> t.append("\\\"");
                case '\\' -> t.append("\\\\");
                default -> {
                    if (Character.isISOControl(cp)) {
                        t.append(String.format(Locale.ROOT, "\\u%04x", cp));
                    } else {
                        t.appendCodePoint(cp);
                    }
                }
            }
        }
        t.append('"');
        return s.codePointCount(0, s.length()) > TEXT_CHARS ? t + "... (" + v.length + " bytes)" : t.toString();
    }

    /** The bytes as text when they are valid UTF-8, else null. */
    private static String utf8(byte[] v) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(v)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static Long number(String s) {
        try {
            return s == null ? null : Long.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String json(DeadLetter d) throws com.fasterxml.jackson.core.JsonProcessingException {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("timestamp", Instant.ofEpochMilli(d.timestamp()).toString());
        o.put("source_topic", d.sourceTopic());
        o.put("source_partition", number(d.sourcePartition()));
        o.put("source_offset", number(d.sourceOffset()));
        o.put("key", d.key());
        o.put("reason", d.reason());
        o.put("exception_class", d.exceptionClass());
        o.put("message", d.message());
        o.put("value", d.value() == null ? null : utf8(d.value()));
        o.put("value_base64", d.value() == null ? null : Base64.getEncoder().encodeToString(d.value()));
        o.put("value_truncated", d.originalBytes() != null);
        if (d.originalBytes() != null) {
            o.put("original_bytes", d.originalBytes());
        }
        ObjectNode h = o.putObject("headers");
        d.otherHeaders().forEach(h::put);
        return MAPPER.writeValueAsString(o);
    }
}
