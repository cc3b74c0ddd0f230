package io.latentstream.ops;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.utils.Utils;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Hanging transactions: a transaction still open on a partition that its transaction coordinator no
 * longer tracks, so no COMMIT or ABORT marker will ever arrive. A {@code read_committed} reader stops
 * at it for good, and when the partition is the group's {@code __consumer_offsets} partition an
 * exactly-once consumer cannot fetch its committed offsets (UNSTABLE_OFFSET_COMMIT): the processor
 * waits in REBALANCING forever. Kafka 4.4 leaves one behind when the broker that leads every replica
 * (one broker, or all replicas down) crashes between a transaction's prepare and its markers: on
 * restart the coordinator takes the briefly leaderless partitions for deleted ones and skips their
 * markers (KAFKA-20734). The test is Kafka's own ({@code kafka-transactions.sh find-hanging}, KIP-664).
 */
public final class HangingTransactions {
    /** One partition's open transaction that nothing will close. */
    public record Hanging(TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch,
                          long startOffset, String transactionalId, String coordinatorSays) {
        public String describe() {
            return partition + ": producer " + producerId + " (epoch " + producerEpoch + ") has a transaction open since offset "
                    + startOffset + "; " + (transactionalId == null ? "no transaction coordinator knows this producer"
                    : "its coordinator (transactional id " + transactionalId + ") " + coordinatorSays);
        }
    }

    private static final Set<TransactionState> IN_FLIGHT = Set.of(TransactionState.ONGOING,
            TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT, TransactionState.PREPARE_EPOCH_FENCE);

    private final Admin admin;
    private final long timeoutMs;

    public HangingTransactions(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeoutMs = timeout.toMillis();
    }

    /** Every partition of {@code topics} that exists, and the offsets partition of each group. */
    public List<TopicPartition> partitionsOf(Collection<String> topics, Collection<String> groups) throws Exception {
        Set<String> names = new LinkedHashSet<>(topics);
        if (!groups.isEmpty()) {
            names.add(Topic.GROUP_METADATA_TOPIC_NAME);
        }
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(names).topicNameValues();
        Set<TopicPartition> out = new LinkedHashSet<>();
        for (String topic : topics) {
            for (int p = 0, n = partitionCount(described.get(topic)); p < n; p++) {
                out.add(new TopicPartition(topic, p));
            }
        }
        int n = groups.isEmpty() ? 0 : partitionCount(described.get(Topic.GROUP_METADATA_TOPIC_NAME)); // 0 before the first group
        if (n > 0) {
            // The group coordinator's own mapping of a group to its offsets partition.
            groups.forEach(g -> out.add(new TopicPartition(Topic.GROUP_METADATA_TOPIC_NAME, Utils.abs(g.hashCode()) % n)));
        }
        return new ArrayList<>(out);
    }

    /** Partitions of a described topic; 0 when it does not exist. */
    private int partitionCount(KafkaFuture<TopicDescription> description) throws Exception {
        try {
            return get(description).partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return 0;
            }
            throw e;
        }
    }

    /**
     * The hanging transactions on {@code partitions}. An open transaction whose producer no
     * coordinator knows counts only once it is older than {@code unknownProducerAge} (its last
     * write's timestamp), as in Kafka's tool; one whose coordinator has moved on counts at once,
     * after a second look confirms the partition did not get its marker meanwhile.
     */
    public List<Hanging> find(Collection<TopicPartition> partitions, Duration unknownProducerAge) throws Exception {
        Map<TopicPartition, List<ProducerState>> open = openTransactions(partitions);
        if (open.isEmpty()) {
            return List.of();
        }
        Set<Long> producerIds = open.values().stream().flatMap(List::stream).map(ProducerState::producerId)
                .collect(Collectors.toSet());
        Map<Long, String> idOf = new HashMap<>();
        for (TransactionListing l : get(admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producerIds)).all())) {
            idOf.put(l.producerId(), l.transactionalId());
        }
        Map<String, TransactionDescription> coordinator = idOf.isEmpty() ? Map.of()
                : get(admin.describeTransactions(idOf.values()).all());
        long now = System.currentTimeMillis();
        List<Hanging> suspects = new ArrayList<>();
        open.forEach((tp, states) -> {
            for (ProducerState s : states) {
                String id = idOf.get(s.producerId());
                TransactionDescription d = id == null ? null : coordinator.get(id);
                String says;
                if (d == null) {
                    if (now - s.lastTimestamp() < unknownProducerAge.toMillis()) {
                        continue;
                    }
                    says = null;
                } else if (d.producerId() != s.producerId()) {
                    says = "now uses producer " + d.producerId();
                } else if (IN_FLIGHT.contains(d.state()) && d.topicPartitions().contains(tp)) {
                    continue; // the coordinator will finish it (or time it out)
                } else {
                    says = "is in state " + d.state() + (IN_FLIGHT.contains(d.state()) ? " without this partition" : "")
                            + " at epoch " + d.producerEpoch();
                }
                suspects.add(new Hanging(tp, s.producerId(), s.producerEpoch(), s.coordinatorEpoch().orElse(0),
                        s.currentTransactionStartOffset().getAsLong(), d == null ? null : id, says));
            }
        });
        if (suspects.isEmpty()) {
            return suspects;
        }
        // A marker written between the two looks closes the transaction or moves its start offset.
        Map<TopicPartition, List<ProducerState>> again = openTransactions(suspects.stream().map(Hanging::partition).toList());
        return suspects.stream().filter(h -> again.getOrDefault(h.partition(), List.of()).stream().anyMatch(s ->
                s.producerId() == h.producerId() && s.producerEpoch() == h.producerEpoch()
                        && s.currentTransactionStartOffset().getAsLong() == h.startOffset()))
                .sorted(Comparator.comparing((Hanging h) -> h.partition().topic()).thenComparingInt(h -> h.partition().partition()))
                .toList();
    }

    /** Writes the ABORT marker the coordinator never wrote (Kafka's {@code kafka-transactions.sh abort}). */
    public void abort(Hanging h) throws Exception {
        get(admin.abortTransaction(new AbortTransactionSpec(h.partition(), h.producerId(), (short) h.producerEpoch(),
                h.coordinatorEpoch())).all());
    }

    private Map<TopicPartition, List<ProducerState>> openTransactions(Collection<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, List<ProducerState>> open = new HashMap<>();
        if (partitions.isEmpty()) {
            return open;
        }
        for (Map.Entry<TopicPartition, PartitionProducerState> e : get(admin.describeProducers(partitions).all()).entrySet()) {
            List<ProducerState> inTxn = e.getValue().activeProducers().stream()
                    .filter(s -> s.currentTransactionStartOffset().isPresent()).toList();
            if (!inTxn.isEmpty()) {
                open.put(e.getKey(), inTxn);
            }
        }
        return open;
    }

    private <T> T get(KafkaFuture<T> f) throws ExecutionException, InterruptedException, TimeoutException {
        return f.get(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
