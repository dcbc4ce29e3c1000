package dev.untangle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker catches the mistakes it exists for; each case plants one mistake in a valid manifest. */
class ManifestCheckerTest {
    private static final ManifestChecker CHECKER = new ManifestChecker(RepoPaths.root().resolve("k8s/schemas"));

    private static final String SERVICE = """
            apiVersion: v1
            kind: Service
            metadata:
              name: svc
            spec:
              selector: {app: x}
              ports:
                - name: metrics
                  port: 9404
                  targetPort: metrics
            """;

    private static List<String> findings(String yaml) {
        List<ManifestDocument> docs = ManifestChecker.read("planted.yaml", yaml);
        assertEquals(1, docs.size());
        return CHECKER.check(docs.get(0));
    }

    private static void assertOneFindingMentioning(String yaml, String... words) {
        List<String> f = findings(yaml);
        assertEquals(1, f.size(), () -> "expected one finding, got " + f);
        for (String w : words) {
            assertTrue(f.get(0).contains(w), () -> "finding should mention '" + w + "': " + f.get(0));
        }
    }

    @Test
    void validServicePasses() {
        assertEquals(List.of(), findings(SERVICE));
    }

    @Test
    void unknownCoreFieldIsReportedWithItsPath() {
        assertOneFindingMentioning(SERVICE.replace("targetPort: metrics", "targetPort: metrics\n      tagretPort: 1"),
                "planted.yaml:1 Service/svc", "tagretPort", "Service.spec.ports[0]");
    }

    @Test
    void wrongScalarTypeFails() {
        assertOneFindingMentioning(SERVICE.replace("port: 9404", "port: \"9404\""), "planted.yaml:1 Service/svc");
    }

    @Test
    void unknownCoreKindFails() {
        assertOneFindingMentioning(SERVICE.replace("kind: Service", "kind: Servise"), "unknown kind Servise");
    }

    @Test
    void documentLineIsTheLineItStartsOn() {
        List<ManifestDocument> docs = ManifestChecker.read("two.yaml", SERVICE + "---\n" + SERVICE);
        assertEquals(List.of(1, 12), docs.stream().map(ManifestDocument::line).toList());
    }

    private static final String USER = """
            apiVersion: kafka.strimzi.io/v1
            kind: KafkaUser
            metadata:
              name: u
              labels: {strimzi.io/cluster: untangle}
            spec:
              authentication: {type: scram-sha-512}
              authorization:
                type: simple
                acls:
                  - resource: {type: topic, name: untangle.steps.v1, patternType: literal}
                    operations: [Write, Describe]
            """;

    @Test
    void validKafkaUserPasses() {
        assertEquals(List.of(), findings(USER));
    }

    @Test
    void v1beta2StyleSingularOperationFailsTheSchema() {
        List<String> f = findings(USER.replace("operations: [Write, Describe]", "operation: Write"));
        assertTrue(f.stream().anyMatch(s -> s.contains("operation")), f::toString);
        assertTrue(f.stream().allMatch(s -> s.contains("strimzi-kafkauser.schema.json")), f::toString);
    }

    @Test
    void unknownAclOperationFails() {
        assertTrue(findings(USER.replace("[Write, Describe]", "[Write, Publish]")).stream()
                .anyMatch(s -> s.contains("planted.yaml:1 KafkaUser/u")));
    }

    @Test
    void customResourceWithoutClusterLabelFails() {
        assertTrue(!findings(USER.replace("  labels: {strimzi.io/cluster: untangle}\n", "")).isEmpty());
    }

    @Test
    void customResourceOfAnUnschemedVersionFails() {
        assertOneFindingMentioning(USER.replace("kafka.strimzi.io/v1", "kafka.strimzi.io/v1beta2"),
                "no schema in k8s/schemas for kafka.strimzi.io/v1beta2 KafkaUser");
    }

    @Test
    void serviceMonitorWithoutEndpointsFails() {
        String monitor = """
                apiVersion: monitoring.coreos.com/v1
                kind: ServiceMonitor
                metadata: {name: m}
                spec:
                  selector: {matchLabels: {app: x}}
                """;
        assertOneFindingMentioning(monitor, "endpoints");
    }
}
