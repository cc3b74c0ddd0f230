package io.latentstream.cli;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimeOrderTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);
    private static final TopicPartition P2 = new TopicPartition("t", 2);

    @Test
    void recordsOfSeveralPartitionsComeOutInRecordTimeOrder() {
        TimeOrder order = new TimeOrder(Set.of(P0, P1));
        add(order, 0, 0, 10, 40, 50);
        add(order, 1, 0, 20, 30, 60);
        // Partition 0 may still deliver a record stamped before 60: 60 waits.
        assertEquals(List.of("0@0:10", "1@0:20", "1@1:30", "0@1:40", "0@2:50"), shown(order.ready()));
        assertEquals(1, order.waiting(P1));
        add(order, 0, 3, 70);
        assertEquals(List.of("1@2:60"), shown(order.ready()));
        order.ended(P1);
        assertEquals(List.of("0@3:70"), shown(order.ready()));
        assertFalse(order.drained());
        order.ended(P0);
        assertTrue(order.drained());
    }

    @Test
    void aPartitionStillBeingReadWithNothingWaitingHoldsTheOthersBack() {
        TimeOrder order = new TimeOrder(Set.of(P0, P1, P2));
        add(order, 0, 0, 100, 200);
        add(order, 1, 0, 150);
        assertEquals(List.of(), shown(order.ready())); // partition 2 may still deliver a record stamped 1
        assertEquals(2, order.waiting(P0));
        add(order, 2, 0, 1);
        assertEquals(List.of("2@0:1"), shown(order.ready()));
        order.ended(P2);
        assertEquals(List.of("0@0:100", "1@0:150"), shown(order.ready()));
        order.ended(P1);
        assertEquals(List.of("0@1:200"), shown(order.ready()));
    }

    @Test
    void eachPartitionKeepsItsOffsetOrderAndTiesGoToTheLowerPartition() {
        TimeOrder order = new TimeOrder(Set.of(P0, P1));
        add(order, 1, 0, 5, 5);
        add(order, 0, 0, 5, 9, 3); // a late event (3 after 9) stays where its partition has it
        order.ended(P0);
        order.ended(P1);
        assertEquals(List.of("0@0:5", "1@0:5", "1@1:5", "0@1:9", "0@2:3"), shown(order.ready()));
        assertTrue(order.drained());
    }

    @Test
    void nothingToReadIsDrainedAtOnce() {
        assertTrue(new TimeOrder(Set.of()).drained());
        TimeOrder order = new TimeOrder(Set.of(P0));
        assertFalse(order.drained());
        order.ended(P0);
        assertTrue(order.drained());
        assertEquals(List.of(), order.ready());
    }

    private static void add(TimeOrder order, int partition, long firstOffset, long... timestamps) {
        for (int i = 0; i < timestamps.length; i++) {
            order.add(new ConsumerRecord<>("t", partition, firstOffset + i, timestamps[i], TimestampType.CREATE_TIME, 0, 0,
                    new byte[0], new byte[0], new RecordHeaders(), Optional.empty()));
        }
    }

    private static List<String> shown(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> r.partition() + "@" + r.offset() + ":" + r.timestamp()).toList();
    }
}
