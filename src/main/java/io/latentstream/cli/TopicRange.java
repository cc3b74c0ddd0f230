package io.latentstream.cli;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The records of a topic stamped within [from, to], read once: each partition from its first
 * offset stamped at or after {@code from} (or its start) up to the end offset the consumer sees when
 * the range is opened (a read_committed consumer's last stable offset), or up to its first record
 * stamped after {@code to}, so a bounded read ends as soon as it has read them, however quiet or busy
 * the topic is. Following instead reads on past the end for as long as the caller polls.
 *
 * <p>The end of a time range is found by reading, not by {@code offsetsForTimes(to)}: in a topic
 * written with transactions (every topic the processor writes) the commit markers carry the time of
 * the commit, so for records stamped earlier (a backlog, a replay, a lagging processor) the broker's
 * time index points at a marker ahead of records that are still within the range. The start is safe
 * to look up: the first offset stamped at or after {@code from} is never past a record that is.
 * {@link #showEach} hands records out in record-time order across partitions ({@link TimeOrder}), for the
 * commands that show them to a person; {@link #poll} in the order fetched, for those that only collect them.
 * Used by {@code decode --topic}, {@code train --topic}, {@code dlq} and {@code scores}; close it after the
 * command's closing lines, so that Ctrl-C during a follow lets the JVM exit only once they are out.
 */
final class TopicRange implements AutoCloseable {
    private static final long PROGRESS_NANOS = 5_000_000_000L;
    /** Records of one partition held for the time order before it is paused until the others catch up. */
    static final int HOLD_BACK = 10_000;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final boolean follow;
    private final long fromMs;
    private final long toMs;
    private final Map<TopicPartition, Long> end;
    private final Set<TopicPartition> open = new HashSet<>();
    /** The order {@link #showEach} shows records in: record time across partitions. */
    private final TimeOrder order;
    /** Partitions paused because the time order holds {@link #HOLD_BACK} of their records. */
    private final Set<TopicPartition> heldBack = new HashSet<>();
    private long holdBacks;
    /** Following: partitions still reading what was in them when the range was opened. */
    private final Set<TopicPartition> backlog = new HashSet<>();
    /** Following: new records, committed since the range was opened, held until the backlog is shown. */
    private final List<ConsumerRecord<byte[], byte[]>> live = new ArrayList<>();
    /** {@link #live}'s records per partition, for the hold-back. */
    private final Map<TopicPartition, Integer> liveHeld = new HashMap<>();
    private final long size;
    /** A sampled read: the stretches each partition is read in; null to read the whole range. */
    private final Stretches stretches;
    /** A sampled read: the stretch each partition is in. */
    private final Map<TopicPartition, Integer> stretch = new HashMap<>();
    /** Ctrl-C while following ends the read with the command's summary; null for a bounded read. */
    private final FollowInterrupt ctrlC;
    private long read;
    private long lastProgress = System.nanoTime();
    private long readAtProgress;

    private TopicRange(KafkaConsumer<byte[], byte[]> consumer, boolean follow, long fromMs, long toMs, Map<TopicPartition, Long> end,
                       Map<TopicPartition, Long> start, Stretches stretches) {
        this.consumer = consumer;
        this.follow = follow;
        this.fromMs = fromMs;
        this.toMs = toMs;
        this.end = end;
        this.stretches = stretches;
        long records = 0;
        for (Map.Entry<TopicPartition, Long> e : start.entrySet()) {
            if (follow || e.getValue() < end.get(e.getKey())) {
                open.add(e.getKey());
                records += Math.max(0, end.get(e.getKey()) - e.getValue());
            }
        }
        this.size = stretches == null ? records : stretches.planned();
        for (TopicPartition tp : open) {
            if (start.get(tp) < end.get(tp)) {
                backlog.add(tp);
            }
        }
        this.order = new TimeOrder(follow ? backlog : open);
        consumer.assign(open);
        open.forEach(tp -> consumer.seek(tp, start.get(tp)));
        this.ctrlC = follow ? new FollowInterrupt(consumer) : null; // last: a failed constructor leaves no hook behind
    }

    /**
     * Assigns the consumer to the topic's partitions at the start of the range.
     *
     * @param from null for the start of each partition
     * @param to   null for the end offsets now; must be null when following
     */
    static TopicRange open(KafkaConsumer<byte[], byte[]> c, String topic, Instant from, Instant to, boolean follow) {
        return open(c, topic, from, to, follow, Long.MAX_VALUE);
    }

    /**
     * {@link #open}, bounded: when the range holds more than twice {@code budget} records, only about
     * {@code budget} of them are read, in {@link Stretches#PER_PARTITION} evenly spaced stretches of
     * consecutive records per partition (each partition's share in proportion to its records), so a
     * week of a busy topic is sampled in seconds rather than read whole. A statistic of the range
     * (a quantile, a training set) needs a spread sample, not every record.
     */
    static TopicRange openSampled(KafkaConsumer<byte[], byte[]> c, String topic, Instant from, Instant to, long budget) {
        return open(c, topic, from, to, false, budget);
    }

    private static TopicRange open(KafkaConsumer<byte[], byte[]> c, String topic, Instant from, Instant to, boolean follow, long budget) {
        List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        if (parts.isEmpty()) {
            throw new UsageError("topic " + topic + " does not exist");
        }
        Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(parts));
        Map<TopicPartition, Long> start = from == null ? c.beginningOffsets(parts) : offsetsAt(c, parts, from.toEpochMilli(), end);
        return new TopicRange(c, follow, from == null ? Long.MIN_VALUE : from.toEpochMilli(),
                to == null ? Long.MAX_VALUE : to.toEpochMilli(), end, start, follow ? null : Stretches.plan(start, end, budget));
    }

    /**
     * Where a sampled read reads: per partition, the first offset of each stretch and how many
     * consecutive offsets a stretch takes.
     */
    record Stretches(Map<TopicPartition, long[]> starts, Map<TopicPartition, Long> length, long total) {
        /** Stretches per partition: enough to spread over the range, few enough that each is a fetch or more. */
        static final int PER_PARTITION = 200;

        /** Null when the range holds at most twice the budget: then it is read whole. */
        static Stretches plan(Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, long budget) {
            long total = 0;
            for (TopicPartition tp : start.keySet()) {
                total += Math.max(0, end.get(tp) - start.get(tp));
            }
            if (budget == Long.MAX_VALUE || total <= 2 * budget) {
                return null;
            }
            Map<TopicPartition, long[]> starts = new HashMap<>();
            Map<TopicPartition, Long> length = new HashMap<>();
            for (TopicPartition tp : start.keySet()) {
                long n = Math.max(0, end.get(tp) - start.get(tp));
                if (n == 0) {
                    continue;
                }
                long quota = Math.max(1, Math.round((double) budget * n / total));
                int k = (int) Math.min(PER_PARTITION, quota);
                long[] at = new long[k];
                for (int i = 0; i < k; i++) {
                    at[i] = start.get(tp) + (long) ((double) n * i / k);
                }
                starts.put(tp, at);
                length.put(tp, (quota + k - 1) / k);
            }
            return new Stretches(starts, length, total);
        }

        /** Offsets the stretches cover (at most; transaction markers take offsets too). */
        long planned() {
            long sum = 0;
            for (Map.Entry<TopicPartition, long[]> e : starts.entrySet()) {
                sum += e.getValue().length * length.get(e.getKey());
            }
            return sum;
        }

        int count() {
            return starts.values().stream().mapToInt(a -> a.length).sum();
        }
    }

    /** Sampled read: records in the whole range (the read covers {@link #size()} of them); -1 for a whole read. */
    long rangeRecords() {
        return stretches == null ? -1 : stretches.total();
    }

    /** Sampled read: how many stretches; 0 for a whole read. */
    int stretchCount() {
        return stretches == null ? 0 : stretches.count();
    }

    /**
     * Sampled read: whether {@code r} is within its partition's current stretch; when it is past it, the
     * consumer is moved to the next stretch (or the partition ends after its last).
     */
    private boolean inStretch(TopicPartition tp, ConsumerRecord<byte[], byte[]> r) {
        if (stretches == null) {
            return true;
        }
        long[] at = stretches.starts().get(tp);
        if (at == null) {
            return true;
        }
        int i = stretch.getOrDefault(tp, 0);
        if (r.offset() < at[i]) {
            return false; // fetched before the seek took effect
        }
        if (r.offset() < at[i] + stretches.length().get(tp)) {
            return true;
        }
        while (i + 1 < at.length && at[i + 1] + stretches.length().get(tp) <= r.offset()) {
            i++; // (only when offsets jump: compaction, markers)
        }
        if (i + 1 >= at.length) {
            close(tp);
            return false;
        }
        stretch.put(tp, i + 1);
        if (r.offset() < at[i + 1]) {
            consumer.seek(tp, at[i + 1]);
            return false;
        }
        return true; // already within the next stretch
    }

    /** Per partition, the first offset stamped at or after {@code ms}; the end offset when there is none. */
    private static Map<TopicPartition, Long> offsetsAt(KafkaConsumer<?, ?> c, List<TopicPartition> parts, long ms,
                                                      Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> query = new HashMap<>();
        parts.forEach(tp -> query.put(tp, ms));
        Map<TopicPartition, Long> at = new HashMap<>();
        c.offsetsForTimes(query).forEach((tp, o) -> at.put(tp, o == null ? end.get(tp) : o.offset()));
        return at;
    }

    /** The next records of the range stamped within [from, to] (possibly none); empty once {@link #finished()}. */
    List<ConsumerRecord<byte[], byte[]>> poll() {
        List<ConsumerRecord<byte[], byte[]>> in = new ArrayList<>();
        if (finished()) {
            return in;
        }
        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(200));
        for (TopicPartition tp : batch.partitions()) {
            for (ConsumerRecord<byte[], byte[]> r : batch.records(tp)) {
                if (!open.contains(tp) || (!follow && r.offset() >= end.get(tp))) {
                    continue; // past the range (fetched before the partition was paused)
                }
                if (!inStretch(tp, r)) {
                    continue; // a sampled read, between stretches
                }
                if (r.timestamp() > toMs) {
                    close(tp); // its first record stamped after --to ends the partition's range
                    continue;
                }
                read++;
                if (r.timestamp() >= fromMs) {
                    in.add(r);
                }
            }
        }
        if (!follow) {
            for (TopicPartition tp : List.copyOf(open)) {
                if (consumer.position(tp) >= end.get(tp)) {
                    close(tp);
                }
            }
        }
        return in;
    }

    private void close(TopicPartition tp) {
        open.remove(tp);
        heldBack.remove(tp);
        order.ended(tp);
        consumer.pause(List.of(tp));
    }

    /**
     * The next records to show, in record-time order across partitions ({@link TimeOrder}). Following,
     * the records already in the topic when the range was opened come first, in time order, and then new
     * ones as they are committed.
     */
    private List<ConsumerRecord<byte[], byte[]>> pollInTimeOrder() {
        for (ConsumerRecord<byte[], byte[]> r : poll()) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (follow && r.offset() >= end.get(tp)) {
                live.add(r);
                liveHeld.merge(tp, 1, Integer::sum);
            } else {
                order.add(r);
            }
        }
        if (follow) {
            for (TopicPartition tp : List.copyOf(backlog)) {
                if (consumer.position(tp) >= end.get(tp)) {
                    backlog.remove(tp);
                    order.ended(tp);
                }
            }
        }
        // A partition that runs far ahead of the others waits for them, so that memory stays bounded.
        for (TopicPartition tp : open) {
            int held = order.waiting(tp) + liveHeld.getOrDefault(tp, 0);
            if (held >= HOLD_BACK && heldBack.add(tp)) {
                consumer.pause(List.of(tp));
                holdBacks++;
            } else if (held < HOLD_BACK / 2 && heldBack.remove(tp)) {
                consumer.resume(List.of(tp));
            }
        }
        List<ConsumerRecord<byte[], byte[]>> next = order.ready();
        if (order.drained() && !live.isEmpty()) {
            next.addAll(live);
            live.clear();
            liveHeld.clear();
        }
        return next;
    }

    /** Says whether it showed a record (false: filtered out). */
    interface Shower {
        boolean show(ConsumerRecord<byte[], byte[]> r) throws Exception;
    }

    /** How {@link #showEach} ended. */
    record Shown(long count, boolean stoppedAtMax, boolean interrupted) {
        /** For the closing line: "; stopped at --max N[ before the end of the range]", "; stopped by Ctrl-C" or "". */
        String ending(long max, boolean follow) {
            return stoppedAtMax ? "; stopped at --max " + max + (follow ? "" : " before the end of the range")
                    : interrupted ? "; stopped by Ctrl-C" : "";
        }
    }

    /**
     * Hands each record of the range, in record-time order across partitions, to {@code show} until the
     * range ends, {@code max} were shown (0: no limit) or Ctrl-C ends a follow. Flushes {@code out} after
     * each batch (a follow shows records as they are committed) and prints progress to {@code err} every
     * 5 s: {@code progress} formatted with the count shown, then how much was read (a filtered read of a
     * large topic can show nothing for long).
     */
    Shown showEach(long max, PrintWriter out, PrintWriter err, String progress, Shower show) throws Exception {
        long shown = 0;
        boolean more = false; // --max reached with records of the range left
        while (!finished() && !more && !interrupted()) {
            List<ConsumerRecord<byte[], byte[]>> records;
            try {
                records = pollInTimeOrder();
            } catch (WakeupException e) {
                break; // Ctrl-C while following: the command's summary, then exit
            }
            for (int i = 0; i < records.size() && !more; i++) {
                if (show.show(records.get(i))) {
                    more = ++shown == max && (i < records.size() - 1 || !finished());
                }
            }
            out.flush();
            if (progressDue()) {
                err.println(String.format(Locale.ROOT, progress, shown) + ", " + readSoFar());
                err.flush();
            }
        }
        return new Shown(shown, more, interrupted());
    }

    private boolean interrupted() {
        return ctrlC != null && ctrlC.interrupted();
    }

    /** Lets a follow ended by Ctrl-C exit the JVM: call it after the closing lines are printed. */
    @Override
    public void close() {
        if (ctrlC != null) {
            ctrlC.close();
        }
    }

    /** Every partition read to its end (never when following). */
    boolean finished() {
        return open.isEmpty();
    }

    /** How often a partition was paused to wait for the others (memory bound of the time order). */
    long holdBacks() {
        return holdBacks;
    }

    /** Records of the range read so far, whatever their timestamp. */
    long read() {
        return read;
    }

    /** True at most every 5 s, when records were read since the last time: when to print progress. */
    boolean progressDue() {
        if (System.nanoTime() - lastProgress <= PROGRESS_NANOS || read <= readAtProgress) {
            return false;
        }
        lastProgress = System.nanoTime();
        readAtProgress = read;
        return true;
    }

    /** "1,234 record(s) read of at most 5,000 in range" (", following" when following), for progress lines. */
    String readSoFar() {
        return String.format(java.util.Locale.ROOT, "%,d record(s) read%s", read,
                follow ? ", following" : String.format(java.util.Locale.ROOT, " of at most %,d in range", size));
    }

    /** At most how many records the range holds (offsets, so transaction markers count too); 0 when following. */
    long size() {
        return follow ? 0 : size;
    }
}
