package io.latentstream.ops;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The broker as a child JVM: round trip, SIGKILL, restart on the same log dir, data survives. */
@Tag("serial") // timing or CPU share matters: failsafe runs it alone (pom.xml)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ChildBrokerIT {
    @TempDir
    Path dir;

    @Test
    void survivesSigkillAndRestartOnTheSameLogDir() throws Exception {
        ChildBroker broker = new ChildBroker(dir.resolve("kafka")).start();
        try {
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("crash.t", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            EmbeddedKafkaIT.RoundTrip.check(broker.bootstrapServers(), "crash.t");
            long pid = broker.pid();
            broker.kill();
            assertTrue(ProcessHandle.of(pid).isEmpty() || !ProcessHandle.of(pid).get().isAlive(), "SIGKILL must end the JVM");
            broker.start();
            try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
                assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("crash.t"),
                        "topic must survive the crash");
            }
            EmbeddedKafkaIT.RoundTrip.check(broker.bootstrapServers(), "crash.t");
        } finally {
            broker.stop();
        }
    }
}
