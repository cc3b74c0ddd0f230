package io.latentstream.cli;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges the records of several partitions into record-time order, for commands that show a topic's
 * records to a person: a consumer hands out each partition's records in batches, so "what was flagged in
 * the last hour" across 6 partitions would otherwise read as six runs of time, one per partition.
 *
 * <p>Each partition's records keep their offset order (one key, one partition: a key's records stay in
 * the order they were written); the merge takes the earliest head among the partitions. A record can go
 * out once every partition still being read has a record waiting, or has ended, so that none of them can
 * still deliver an earlier one. Ties go to the lower partition. Record timestamps within a partition
 * that go backwards (late events) are shown where their partition has them.
 */
final class TimeOrder {
    private final Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> waiting = new HashMap<>();
    private final Set<TopicPartition> reading;
    private int size;

    /** @param partitions the partitions still to be read: each must later be {@link #ended} */
    TimeOrder(Set<TopicPartition> partitions) {
        this.reading = new HashSet<>(partitions);
        partitions.forEach(tp -> waiting.put(tp, new ArrayDeque<>()));
    }

    void add(ConsumerRecord<byte[], byte[]> r) {
        waiting.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), tp -> new ArrayDeque<>()).addLast(r);
        size++;
    }

    /** No more records will come from {@code tp}: it no longer holds the others back. */
    void ended(TopicPartition tp) {
        reading.remove(tp);
    }

    /** The records that can go out now, in record-time order. */
    List<ConsumerRecord<byte[], byte[]>> ready() {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        while (size > 0) {
            ArrayDeque<ConsumerRecord<byte[], byte[]>> first = null;
            for (Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> e : waiting.entrySet()) {
                ArrayDeque<ConsumerRecord<byte[], byte[]>> q = e.getValue();
                if (q.isEmpty()) {
                    if (reading.contains(e.getKey())) {
                        return out; // it may still deliver a record earlier than every head
                    }
                    continue;
                }
                if (first == null || earlier(q.peekFirst(), first.peekFirst())) {
                    first = q;
                }
            }
            out.add(first.pollFirst());
            size--;
        }
        return out;
    }

    private static boolean earlier(ConsumerRecord<?, ?> a, ConsumerRecord<?, ?> b) {
        return a.timestamp() < b.timestamp() || (a.timestamp() == b.timestamp() && a.partition() < b.partition());
    }

    /** Records of {@code tp} waiting for the other partitions (to pause a partition that runs far ahead). */
    int waiting(TopicPartition tp) {
        ArrayDeque<ConsumerRecord<byte[], byte[]>> q = waiting.get(tp);
        return q == null ? 0 : q.size();
    }

    /** Every partition ended and every record handed out. */
    boolean drained() {
        return reading.isEmpty() && size == 0;
    }
}
