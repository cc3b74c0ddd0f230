package io.latentstream.retrain;

import io.latentstream.codec.BadRecordException;
import io.latentstream.codec.InputFormat;
import io.latentstream.codec.ParsedRecord;
import io.latentstream.codec.RecordParser;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainingData;
import io.latentstream.topology.DeadLetterHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The recent window of the samples topic, bounded by time and by count: records newer than
 * {@code now - window}, reservoir-sampled down to {@code maxSamples} (uniform over the window), then
 * ordered by time so the newest slice can be held out. Flagged samples the {@link Flagged} mode does
 * not train on are in the window marked held out ({@link TrainingData#heldOut()}). Read
 * read_committed, from the offsets of the window start up to the end offsets seen when reading began.
 */
public final class SamplesWindow {
    /**
     * The window: rows in time order and where they came from; {@code unparsed} samples did not parse
     * with the champion's features (written for another feature set) and are not in it.
     */
    public record Window(TrainingData data, long[] timestamps, long seen, long unparsed, Map<String, String> provenance) {
    }

    private SamplesWindow() {
    }

    /** Which samples flagged anomalous (header ls.anomaly=true) the window keeps. */
    public enum Flagged {
        /** None: a routine retrain must not learn an incident as normal. */
        EXCLUDE,
        /**
         * Only those of a context (entity) whose samples in the window are mostly flagged: that
         * entity has shifted level, and its new data is the candidate new normal (the gate decides).
         */
        MAJORITY_CONTEXTS,
        /** All (an operator's accept-new-normal). */
        INCLUDE
    }

    public static Window read(String bootstrap, Map<String, String> kafkaOverrides, String topic, ModelBundle champion,
                              long windowMs, int maxSamples, long seed, Flagged flaggedRows, int newContextMinRows,
                              io.latentstream.codec.JsonFields jsonFields, Duration timeout) {
        Map<String, Object> p = new HashMap<>(kafkaOverrides);
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        p.putIfAbsent("client.id", "latentstream-retrain-window");
        int d = champion.features().size();
        boolean conditional = champion.conditional();
        Map<InputFormat, RecordParser> parsers = new HashMap<>();
        List<float[]> rows = new ArrayList<>();
        List<String> contexts = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        List<Boolean> flags = new ArrayList<>();
        Map<String, long[]> shares = new HashMap<>(); // context -> {samples, flagged}
        Random rnd = new Random(seed);
        long seen = 0;
        long unparsed = 0;
        long from = System.currentTimeMillis() - windowMs;
        Map<String, String> provenance = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(parts);
            Map<TopicPartition, Long> query = new HashMap<>();
            parts.forEach(tp -> query.put(tp, from));
            Map<TopicPartition, OffsetAndTimestamp> starts = c.offsetsForTimes(query, timeout);
            Map<TopicPartition, Long> ends = c.endOffsets(parts, timeout);
            for (TopicPartition tp : parts) {
                OffsetAndTimestamp s = starts.get(tp);
                c.seek(tp, s == null ? ends.get(tp) : s.offset());
                provenance.put(tp.toString(), (s == null ? ends.get(tp) : s.offset()) + ".." + ends.get(tp));
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading the samples window of " + topic);
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() >= ends.get(tp)) {
                        continue;
                    }
                    Header flagHeader = r.headers().lastHeader(DeadLetterHeaders.ANOMALY);
                    boolean flagged = flagHeader != null && "true".equals(new String(flagHeader.value(), StandardCharsets.UTF_8));
                    Header fh = r.headers().lastHeader(DeadLetterHeaders.FORMAT);
                    InputFormat format = fh == null ? InputFormat.JSON
                            : InputFormat.parse(new String(fh.value(), StandardCharsets.UTF_8));
                    RecordParser parser = parsers.computeIfAbsent(format, f -> new RecordParser(f, champion.features(), 16 << 20, conditional,
                            jsonFields));
                    ParsedRecord rec;
                    try {
                        rec = parser.parse(r.key(), r.value());
                    } catch (BadRecordException e) {
                        unparsed++; // valid for the model that scored them: a feature-set change since, skipped, not fatal
                        continue;
                    }
                    seen++;
                    String ctxKey = rec.context == null ? "" : rec.context;
                    long[] share = shares.computeIfAbsent(ctxKey, k -> new long[2]);
                    share[0]++;
                    share[1] += flagged ? 1 : 0;
                    float[] row = java.util.Arrays.copyOf(rec.features, d);
                    if (rows.size() < maxSamples) {
                        rows.add(row);
                        contexts.add(rec.context);
                        times.add(r.timestamp());
                        flags.add(flagged);
                    } else {
                        long j = (long) (rnd.nextDouble() * seen); // reservoir (Algorithm R)
                        if (j < maxSamples) {
                            rows.set((int) j, row);
                            contexts.set((int) j, rec.context);
                            times.set((int) j, r.timestamp());
                            flags.set((int) j, flagged);
                        }
                    }
                }
            }
        }
        List<String> rebaselined = new ArrayList<>();
        shares.forEach((ctx, sh) -> {
            if (sh[1] * 2 > sh[0]) {
                rebaselined.add(ctx.isEmpty() ? "(all)" : ctx);
            }
        });
        Integer[] order = java.util.stream.IntStream.range(0, rows.size()).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.comparingLong(times::get));
        // A new entity's samples are trained on even when flagged, or one unlike the fleet's average would be
        // flagged, held out, and never learned.
        Set<String> newContexts = Retrainer.contextsToLearn(champion,
                java.util.Arrays.stream(order).map(contexts::get).toArray(String[]::new), newContextMinRows);
        // Flagged rows the mode does not train on stay in the window, held out: the trainer
        // calibrates the threshold with them (without them it would sit below the live one).
        List<Boolean> held = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            boolean train = newContexts.contains(contexts.get(i)) || switch (flaggedRows) {
                case EXCLUDE -> !flags.get(i);
                case INCLUDE -> true;
                case MAJORITY_CONTEXTS -> {
                    long[] sh = shares.get(contexts.get(i) == null ? "" : contexts.get(i));
                    yield !flags.get(i) || sh[1] * 2 > sh[0];
                }
            };
            held.add(!train);
        }
        double[][] x = new double[order.length][d];
        String[] ctx = conditional ? new String[order.length] : null;
        long[] ts = new long[order.length];
        boolean[] heldOut = new boolean[order.length];
        int heldOutRows = 0;
        for (int i = 0; i < order.length; i++) {
            heldOut[i] = held.get(order[i]);
            heldOutRows += heldOut[i] ? 1 : 0;
            float[] r = rows.get(order[i]);
            for (int j = 0; j < d; j++) {
                x[i][j] = r[j];
            }
            if (ctx != null) {
                ctx[i] = contexts.get(order[i]);
            }
            ts[i] = times.get(order[i]);
        }
        provenance.put("topic", topic);
        provenance.put("window_ms", Long.toString(windowMs));
        provenance.put("seen", Long.toString(seen));
        if (unparsed > 0) {
            provenance.put("unparsed", Long.toString(unparsed));
        }
        provenance.put("flagged_rows", flaggedRows.name().toLowerCase(java.util.Locale.ROOT));
        provenance.put("held_out", Integer.toString(heldOutRows));
        if (!newContexts.isEmpty()) {
            List<String> names = new ArrayList<>(newContexts);
            provenance.put("new_contexts", names.size() <= 20 ? String.join(",", names)
                    : String.join(",", names.subList(0, 20)) + ",... (" + names.size() + " in all)");
        }
        if (flaggedRows == Flagged.MAJORITY_CONTEXTS && !rebaselined.isEmpty()) {
            provenance.put("rebaselined_contexts", String.join(",", rebaselined));
        }
        TrainingData data = x.length == 0 ? null : new TrainingData(champion.features(), x, ctx,
                conditional ? champion.manifest().context().column() : null, topic, heldOutRows == 0 ? null : heldOut);
        return new Window(data, ts, seen, unparsed, provenance);
    }
}
