package io.latentstream.ops;

import io.latentstream.cli.CliTest;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link HangingTransactions} against a real broker. A hanging transaction is made the way old
 * clients made them (KIP-890): a transactional batch appended to a partition its coordinator never
 * heard of, written as a raw produce request to a broker with partition verification off. The
 * crash path that makes them on Kafka 4.4 (KAFKA-20734) is random; T5 in ExactlyOnceCrashIT meets it.
 */
@Timeout(120)
class HangingTransactionsIT {
    private static EmbeddedKafka kafka;
    private static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.startTemporary(Map.of("transaction.partition.verification.enable", "false"));
        admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic("h.out", 3, (short) 1))).all().get();
        for (TopicPartition tp : partitions()) {
            awaitLeader(tp); // answered by the partition's leader: the raw produce below has no retries
        }
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static List<TopicPartition> partitions() {
        return List.of(new TopicPartition("h.out", 0), new TopicPartition("h.out", 1), new TopicPartition("h.out", 2));
    }

    @Test
    void liveTransactionsAreNotHanging() throws Exception {
        HangingTransactions finder = new HangingTransactions(admin, Duration.ofSeconds(20));
        try (KafkaProducer<byte[], byte[]> p = producer("h-live")) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("h.out", 0, null, "open".getBytes(StandardCharsets.UTF_8))).get();
            // Open on h.out-0 and tracked by its coordinator: it will be committed or timed out.
            assertEquals(List.of(), finder.find(partitions(), Duration.ZERO));
            p.commitTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>("h.out", 0, null, "aborted".getBytes(StandardCharsets.UTF_8))).get();
            p.abortTransaction();
        }
        assertEquals(List.of(), finder.find(partitions(), Duration.ZERO));
    }

    @Test
    void findsAndAbortsATransactionItsCoordinatorMovedOnFrom() throws Exception {
        HangingTransactions finder = new HangingTransactions(admin, Duration.ofSeconds(20));
        TopicPartition tp = new TopicPartition("h.out", 1);
        try (KafkaProducer<byte[], byte[]> p = producer("h-moved-on")) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>("h.out", 2, null, "committed".getBytes(StandardCharsets.UTF_8))).get();
            p.commitTransaction();
        }
        TransactionDescription d = admin.describeTransactions(List.of("h-moved-on")).all().get().get("h-moved-on");
        rawTransactionalProduce(tp, d.producerId(), (short) d.producerEpoch(), System.currentTimeMillis());
        assertTrue(stableEnd(tp) < end(tp), "the open transaction holds read_committed readers back");

        List<HangingTransactions.Hanging> found = finder.find(partitions(), Duration.ofDays(1));
        assertEquals(1, found.size(), () -> "found " + found);
        HangingTransactions.Hanging h = found.get(0);
        assertEquals(tp, h.partition());
        assertEquals(d.producerId(), h.producerId());
        assertEquals("h-moved-on", h.transactionalId());
        assertTrue(h.describe().contains("coordinator (transactional id h-moved-on) is in state"), h.describe());

        finder.abort(h);
        assertEquals(end(tp), stableEnd(tp), "aborted: readers move past it");
        assertEquals(List.of(), finder.find(partitions(), Duration.ZERO));
    }

    @Test
    void aProducerNoCoordinatorKnowsCountsOnceOlderThanTheLimit() throws Exception {
        HangingTransactions finder = new HangingTransactions(admin, Duration.ofSeconds(20));
        TopicPartition tp = new TopicPartition("h.out", 2);
        long anHourAgo = System.currentTimeMillis() - 3_600_000;
        rawTransactionalProduce(tp, 987_654L, (short) 0, anHourAgo);
        assertEquals(List.of(), finder.find(partitions(), Duration.ofHours(2)), "younger than the limit");
        List<HangingTransactions.Hanging> found = finder.find(partitions(), Duration.ofMinutes(15));
        assertEquals(1, found.size(), () -> "found " + found);
        assertEquals(987_654L, found.get(0).producerId());
        assertTrue(found.get(0).describe().contains("no transaction coordinator knows this producer"), found.get(0).describe());
        finder.abort(found.get(0));
        assertEquals(end(tp), stableEnd(tp));
    }

    @Test
    void topicsHangingReportsThenAborts() throws Exception {
        admin.createTopics(List.of(new NewTopic("hc.latents", 1, (short) 1))).all().get();
        TopicPartition tp = new TopicPartition("hc.latents", 0);
        awaitLeader(tp);
        try (KafkaProducer<byte[], byte[]> p = producer("hc-moved-on")) {
            p.initTransactions();
        }
        TransactionDescription d = admin.describeTransactions(List.of("hc-moved-on")).all().get().get("hc-moved-on");
        rawTransactionalProduce(tp, d.producerId(), (short) d.producerEpoch(), System.currentTimeMillis());
        String[] scope = {"--bootstrap-server", kafka.bootstrapServers(), "--set", "topic.prefix=hc", "--set", "application.id=hc-app"};

        CliTest.Result found = CliTest.run(concat(new String[] {"topics", "hanging"}, scope));
        assertEquals(1, found.code(), found.out() + found.err());
        assertTrue(found.out().contains("HANGING hc.latents-0: producer " + d.producerId()), found.out());
        assertTrue(found.out().contains("run again with --abort"), found.out());

        CliTest.Result aborted = CliTest.run(concat(new String[] {"topics", "hanging", "--abort"}, scope));
        assertEquals(0, aborted.code(), aborted.out() + aborted.err());
        assertTrue(aborted.out().contains("ABORTED hc.latents-0"), aborted.out());
        assertEquals(end(tp), stableEnd(tp));

        CliTest.Result clean = CliTest.run(concat(new String[] {"topics", "hanging"}, scope));
        assertEquals(0, clean.code(), clean.out() + clean.err());
        assertTrue(clean.out().startsWith("no hanging transactions on "), clean.out());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "transactional.id", transactionalId),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** createTopics returns before the broker's metadata has the topic: wait until its offsets can be listed. */
    private static void awaitLeader(TopicPartition tp) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            try {
                end(tp);
                return;
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException) || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static long end(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset();
    }

    private static long stableEnd(TopicPartition tp) throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .all().get().get(tp).offset();
    }

    /** One transactional record, sent without the producer client (which would register the partition first). */
    private static void rawTransactionalProduce(TopicPartition tp, long producerId, short epoch, long timestamp) throws Exception {
        MemoryRecords records = MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, 0,
                new SimpleRecord(timestamp, null, "hanging".getBytes(StandardCharsets.UTF_8)));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTransactionalId("h-raw");
        data.topicData().add(new ProduceRequestData.TopicProduceData().setName(tp.topic()).setPartitionData(List.of(
                new ProduceRequestData.PartitionProduceData().setIndex(tp.partition()).setRecords(records))));
        short version = ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2; // by topic name, before KIP-890's v12
        RequestHeader header = new RequestHeader(ApiKeys.PRODUCE, version, "hanging-it", 1);
        ByteBuffer request = new ProduceRequest.Builder(version, version, data).build(version).serializeWithHeader(header);
        try (Socket s = new Socket("127.0.0.1", kafka.brokerPort())) {
            s.setSoTimeout(15_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(request.remaining());
            out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            ProduceResponse r = (ProduceResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
            ProduceResponseData.PartitionProduceResponse pr = r.data().responses().iterator().next().partitionResponses().get(0);
            assertEquals(Errors.NONE, Errors.forCode(pr.errorCode()), "raw produce: " + pr);
        }
    }
}
