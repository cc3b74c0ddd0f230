package io.latentstream.ops;

import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AclPlanTest {
    private static AppConfig cfg(Map<String, String> set) {
        return ConfigLoader.load(null, Map.of(), set);
    }

    private static List<String> lines(List<AclBinding> bindings) {
        return bindings.stream().map(b -> b.entry().operation() + " " + b.pattern().resourceType() + " " + b.pattern().name()
                + (b.pattern().patternType() == PatternType.PREFIXED ? "*" : "")).toList();
    }

    @Test
    void theProcessorReadsItsInputAndWritesItsOutputsOnly() {
        List<AclBinding> b = AclPlan.bindings(cfg(Map.of("input.topic", "sensors", "application.id", "plant7")), "User:p", "*",
                Set.of(AclPlan.Role.PROCESSOR));
        assertEquals(List.of("READ TOPIC sensors", "WRITE TOPIC latentstream.latents", "WRITE TOPIC latentstream.scores",
                "WRITE TOPIC latentstream.anomalies", "WRITE TOPIC latentstream.samples", "WRITE TOPIC latentstream.dlq",
                "READ TOPIC latentstream.models", "READ GROUP plant7", "WRITE TRANSACTIONAL_ID plant7-*"), lines(b));
        assertTrue(b.stream().allMatch(x -> x.entry().principal().equals("User:p") && x.entry().host().equals("*")));
    }

    @Test
    void theProcessorsTransactionalIdsDoNotCoverTheModelPublishers() {
        // With the defaults both start with "latentstream": a processor's principal must not be able to fence a publisher.
        List<AclBinding> b = AclPlan.bindings(cfg(Map.of()), "User:x", "*", EnumSet.of(AclPlan.Role.PROCESSOR, AclPlan.Role.RETRAINER));
        String prefix = b.stream().filter(x -> x.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID
                && x.pattern().patternType() == PatternType.PREFIXED).findFirst().orElseThrow().pattern().name();
        String publisher = b.stream().filter(x -> x.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID
                && x.pattern().patternType() == PatternType.LITERAL).findFirst().orElseThrow().pattern().name();
        assertEquals("latentstream-", prefix);
        assertEquals("latentstream.models.publisher.default", publisher);
        assertFalse(publisher.startsWith(prefix));
        // Two roles of one principal: each binding once (latents: READ for the retrainer, WRITE for the processor).
        assertEquals(b.size(), Set.copyOf(b).size());
        assertEquals(17, b.size());
    }

    @Test
    void operatorsReadEverythingAndWriteOnlyModels() {
        List<AclBinding> b = AclPlan.bindings(cfg(Map.of("topic.prefix", "p7")), "User:alice", "10.0.0.1", Set.of(AclPlan.Role.OPERATOR));
        assertTrue(b.stream().filter(x -> x.entry().operation() == AclOperation.WRITE)
                .allMatch(x -> x.pattern().name().equals("p7.models") || x.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID),
                lines(b).toString());
        assertEquals(8, b.stream().filter(x -> x.entry().operation() == AclOperation.READ).count(), "the input and the 7 topics written");
        assertEquals("kafka-acls.sh --bootstrap-server b:9092 --command-config admin.properties --add --allow-principal User:alice "
                + "--allow-host 10.0.0.1 --operation Describe --group latentstream-retrainer", AclPlan.command(b.get(b.size() - 1), "b:9092"));
    }

    @Test
    void aPrincipalIsTypeAndName() {
        assertThrows(IllegalArgumentException.class, () -> AclPlan.bindings(cfg(Map.of()), "alice", "*", Set.of(AclPlan.Role.OPERATOR)));
        assertThrows(IllegalArgumentException.class, () -> AclPlan.Role.parse("admin"));
        assertEquals(AclPlan.Role.TOPICS, AclPlan.Role.parse(" Topics "));
        assertEquals("DescribeConfigs", AclPlan.operation(AclOperation.DESCRIBE_CONFIGS));
        assertEquals(List.of("READ TOPIC latentstream.dlq", "WRITE TOPIC sensors"), lines(AclPlan.bindings(
                cfg(Map.of("input.topic", "sensors")), "User:ops", "*", Set.of(AclPlan.Role.REPLAY))));
    }
}
