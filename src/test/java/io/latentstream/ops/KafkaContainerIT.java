package io.latentstream.ops;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The same round trip against the official apache/kafka image. Runs where a Docker engine exists;
 * reported as skipped elsewhere (this machine and CI have none), never pulls an image then.
 */
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KafkaContainerIT {
    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");

    @Test
    void aRecordRoundTrips() throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", KAFKA.getBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("tc.t", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        EmbeddedKafkaIT.RoundTrip.check(KAFKA.getBootstrapServers(), "tc.t");
    }
}
