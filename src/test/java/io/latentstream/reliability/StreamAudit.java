package io.latentstream.reliability;

import io.latentstream.codec.DeadLetterReason;
import io.latentstream.topology.DeadLetterHeaders;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.clients.admin.TransactionState;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The exactly-once audit, as Kafka's own system tests do it: a known input (good records plus bad
 * ones of every dead-letter class, each at a known offset), then a read_committed read of every output
 * topic, matched offset by offset.
 */
final class StreamAudit {
    /** Dead-letter classes of the json format; together 5% of the input, in equal shares. */
    static final List<DeadLetterReason> JSON_BAD = List.of(DeadLetterReason.BAD_JSON, DeadLetterReason.DIM_MISMATCH,
            DeadLetterReason.NON_FINITE, DeadLetterReason.OVERSIZE, DeadLetterReason.EMPTY, DeadLetterReason.BAD_CONTEXT);

    record Input(int partition, long offset, DeadLetterReason bad, byte[] value) {
    }

    /** What the outputs say, offset by offset. */
    record Result(long inputs, long bad, long scores, long latents, long deadLetters, long missing, long duplicates, long extra,
                  List<String> problems, Map<DeadLetterReason, Long> deadLettersByReason, Map<Long, Long> scoresByModelVersion,
                  List<String> duplicateExamples) {
        String line(String label) {
            return String.format(Locale.ROOT, "%s: inputs %,d (bad %,d), scores %,d, latents %,d, dead letters %,d %s, missing %d, duplicates %d, "
                    + "extra %d, problems %d", label, inputs, bad, scores, latents, deadLetters, deadLettersByReason, missing, duplicates,
                    extra, problems.size()) + (duplicateExamples.isEmpty() ? "" : "; duplicated e.g. " + duplicateExamples);
        }
    }

    private StreamAudit() {
    }

    /**
     * Produces records {@code first .. first+n-1} of the input over every partition, 1 in 20 bad
     * (cycling through the classes by record index, so any slice has them all in known numbers).
     */
    static Map<String, Input> produce(String bootstrap, String topic, int partitions, int first, int n) throws Exception {
        Map<String, Input> inputs = new HashMap<>();
        Random rnd = new Random(first);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 20,
                "batch.size", 65536, "max.in.flight.requests.per.connection", 1), new ByteArraySerializer(), new ByteArraySerializer())) {
            int chunk = 20_000;
            for (int from = first; from < first + n; from += chunk) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                List<DeadLetterReason> kinds = new ArrayList<>();
                List<byte[]> values = new ArrayList<>();
                for (int i = from; i < Math.min(first + n, from + chunk); i++) {
                    DeadLetterReason r = i % 20 == 7 ? JSON_BAD.get((i / 20) % JSON_BAD.size()) : null;
                    byte[] key = r == DeadLetterReason.BAD_CONTEXT ? null : ("abc".charAt(i % 3) + "").getBytes(StandardCharsets.UTF_8);
                    byte[] value = r == null ? good(rnd) : bad(r, i);
                    sent.add(p.send(new ProducerRecord<>(topic, i % partitions, key, value)));
                    kinds.add(r);
                    values.add(value);
                }
                p.flush();
                for (int i = 0; i < sent.size(); i++) {
                    RecordMetadata md = sent.get(i).get(60, TimeUnit.SECONDS);
                    inputs.put(md.partition() + "@" + md.offset(), new Input(md.partition(), md.offset(), kinds.get(i), values.get(i)));
                }
            }
        }
        return inputs;
    }

    static byte[] good(Random rnd) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 5; i++) {
            sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "%.4f", 10 + rnd.nextGaussian()));
        }
        return sb.append("]").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A bad record of class {@code r}; the index makes each one's bytes unique, so the DLQ copy can be checked. */
    static byte[] bad(DeadLetterReason r, int i) {
        String s = switch (r) {
            case BAD_JSON -> "{\"features\":[1,2 #" + i;
            case DIM_MISMATCH -> "[1,2," + i + "]";
            case NON_FINITE -> "[1,NaN,3,4," + i + "]";
            case OVERSIZE -> "[" + "1,".repeat(150) + i + "]";
            case EMPTY -> "";
            case BAD_CONTEXT -> "[10,10,10,10," + (i % 10) + "]";
            default -> throw new IllegalArgumentException(r.toString());
        };
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Waits until the broker reports no open transaction (aborted or committed, nothing in between). */
    static void awaitNoOpenTransaction(String bootstrap, int seconds) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            Collection<TransactionListing> open = List.of();
            while (System.nanoTime() < deadline) {
                open = admin.listTransactions(new ListTransactionsOptions().filterStates(List.of(TransactionState.ONGOING,
                        TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT))).all().get(30, TimeUnit.SECONDS);
                if (open.isEmpty()) {
                    return;
                }
                Thread.sleep(500);
            }
            throw new AssertionError("transactions still open after " + seconds + " s: " + open);
        }
    }

    /**
     * Reads scores, latents and dead letters (read_committed, from the start, fresh group) until every
     * input has its outputs and nothing more arrived for {@code quietMs}, or {@code timeoutSeconds}.
     */
    static Result read(String bootstrap, Topics t, Map<String, Input> inputs, int timeoutSeconds, long quietMs) {
        Map<String, Integer> scores = new HashMap<>();
        Map<String, List<String>> scoreAt = new HashMap<>(); // source position -> output partition@offset (for diagnosis)
        Map<String, Integer> latents = new HashMap<>();
        Map<String, List<ConsumerRecord<byte[], byte[]>>> dlq = new HashMap<>();
        Map<Long, Long> versions = new TreeMap<>();
        long n = inputs.size();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed",
                "group.id", "audit-" + System.nanoTime(), "auto.offset.reset", "earliest", "enable.auto.commit", "false",
                "max.poll.records", 5000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(t.scores(), t.latents(), t.dlq()));
            long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
            long lastNew = System.currentTimeMillis();
            while (System.currentTimeMillis() < deadline) {
                var records = c.poll(Duration.ofMillis(250));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    lastNew = System.currentTimeMillis();
                    String pos = header(r, DeadLetterHeaders.SOURCE_PARTITION) + "@" + header(r, DeadLetterHeaders.SOURCE_OFFSET);
                    if (r.topic().equals(t.scores())) {
                        scores.merge(pos, 1, Integer::sum);
                        scoreAt.computeIfAbsent(pos, k -> new ArrayList<>(1)).add(r.partition() + "@" + r.offset() + "/ts" + r.timestamp());
                        versions.merge(Long.parseLong(header(r, "ls.model.version")), 1L, Long::sum);
                    } else if (r.topic().equals(t.latents())) {
                        latents.merge(pos, 1, Integer::sum);
                    } else {
                        dlq.computeIfAbsent(pos, k -> new ArrayList<>()).add(r);
                    }
                }
                boolean complete = scores.size() + dlq.size() >= n && latents.size() >= scores.size();
                if (complete && System.currentTimeMillis() - lastNew > quietMs) {
                    break;
                }
            }
        }
        long missing = 0;
        long duplicates = 0;
        List<String> dupExamples = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<DeadLetterReason, Long> byReason = new EnumMap<>(DeadLetterReason.class);
        for (Map.Entry<String, Input> e : inputs.entrySet()) {
            String pos = e.getKey();
            Input in = e.getValue();
            List<ConsumerRecord<byte[], byte[]>> dead = dlq.getOrDefault(pos, List.of());
            if (in.bad() == null) {
                int s = scores.getOrDefault(pos, 0);
                int l = latents.getOrDefault(pos, 0);
                missing += (s == 0 ? 1 : 0) + (l == 0 ? 1 : 0);
                duplicates += Math.max(0, s - 1) + Math.max(0, l - 1) + dead.size();
                if (s > 1 && dupExamples.size() < 5) {
                    dupExamples.add("input " + pos + " -> scores " + scoreAt.get(pos));
                }
                if (!dead.isEmpty() && problems.size() < 20) {
                    problems.add("good record dead-lettered " + pos + " " + header(dead.get(0), DeadLetterHeaders.REASON));
                }
            } else {
                if (dead.isEmpty()) {
                    missing++;
                    continue;
                }
                duplicates += dead.size() - 1;
                ConsumerRecord<byte[], byte[]> d = dead.get(0);
                String reason = header(d, DeadLetterHeaders.REASON);
                byReason.merge(DeadLetterReason.valueOf(reason), 1L, Long::sum);
                if (!reason.equals(in.bad().name()) && problems.size() < 20) {
                    problems.add(pos + " dead-lettered as " + reason + ", expected " + in.bad());
                }
                byte[] original = d.value() == null ? new byte[0] : d.value();
                if (!Arrays.equals(original, in.value()) && problems.size() < 20) {
                    problems.add(pos + ": dead letter bytes differ from the input");
                }
                if (scores.containsKey(pos) || latents.containsKey(pos)) {
                    problems.add("bad record scored " + pos);
                }
            }
        }
        long extra = scores.keySet().stream().filter(k -> !inputs.containsKey(k)).count()
                + dlq.keySet().stream().filter(k -> !inputs.containsKey(k)).count();
        long bad = inputs.values().stream().filter(in -> in.bad() != null).count();
        return new Result(n, bad, scores.size(), latents.size(), dlq.size(), missing, duplicates, extra, problems, byReason, versions,
                dupExamples);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
