package dev.untangle.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every manifest under k8s/ loads strictly (core kinds through fabric8, custom resources against
 * k8s/schemas/), the rendered kustomization does too, and the manifests agree with the code's
 * contracts: the topic names of dev.untangle.wire.Topics, the ACLs each process needs (DESIGN.md
 * section 2), the trainer's GPU/checkpoint/resume set-up, and the single sources of the alert rules
 * and the dashboard.
 */
class ManifestsTest {
    private static final Path ROOT = RepoPaths.root();
    private static final ManifestChecker CHECKER = new ManifestChecker(ROOT.resolve("k8s/schemas"));
    private static final ObjectMapper YAML = new YAMLMapper();

    static List<ManifestDocument> allSourceDocuments() throws IOException {
        List<ManifestDocument> docs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve("k8s"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .filter(f -> !f.getFileName().toString().equals("kustomization.yaml"))
                    .filter(f -> !f.startsWith(ROOT.resolve("k8s/schemas")))
                    .sorted().toList()) {
                docs.addAll(ManifestChecker.read(ROOT, file));
            }
        }
        return docs;
    }

    private static List<ManifestDocument> ofKind(List<ManifestDocument> docs, String kind) {
        return docs.stream().filter(d -> d.kind().equals(kind)).toList();
    }

    private static void assertNoFindings(List<ManifestDocument> docs) {
        List<String> findings = docs.stream().flatMap(d -> CHECKER.check(d).stream()).toList();
        assertTrue(findings.isEmpty(), "manifest findings:\n" + String.join("\n", findings));
    }

    @Test
    void everyManifestUnderK8sLoadsStrictly() throws IOException {
        List<ManifestDocument> docs = allSourceDocuments();
        // 19 documents: namespace, Kafka, node pool, 4 topics, 2 users, the Kafka client ConfigMap,
        // trainer checkpoint PVC/data PVC/Job/Service, monitor PVC/Deployment/Service, ServiceMonitor,
        // PrometheusRule (the dashboard ConfigMap is generated)
        assertEquals(19, docs.size(), () -> docs.stream().map(ManifestDocument::where).collect(Collectors.joining("\n")));
        assertNoFindings(docs);
    }

    @Test
    void topicsAreExactlyThoseOfTopicsJava() throws IOException {
        String topicsJava = Files.readString(ROOT.resolve("telemetry/src/main/java/dev/untangle/wire/Topics.java"));
        Set<String> expected = new TreeSet<>();
        Matcher m = Pattern.compile("static final String \\w+ = \"([^\"]+)\";").matcher(topicsJava);
        while (m.find()) {
            expected.add(m.group(1));
        }
        assertEquals(4, expected.size(), "Topics.java should name 4 topics");
        Set<String> declared = ofKind(allSourceDocuments(), "KafkaTopic").stream()
                .map(d -> d.body().path("spec").path("topicName").asText())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, declared);
    }

    /** "type:name:patternType" -> operations, for one KafkaUser. */
    private static Map<String, Set<String>> acls(ManifestDocument user) {
        Map<String, Set<String>> acls = new TreeMap<>();
        for (JsonNode rule : user.body().path("spec").path("authorization").path("acls")) {
            JsonNode r = rule.path("resource");
            String key = r.path("type").asText() + ":" + r.path("name").asText("") + ":" + r.path("patternType").asText("literal");
            Set<String> ops = acls.computeIfAbsent(key, k -> new TreeSet<>());
            rule.path("operations").forEach(op -> ops.add(op.asText()));
        }
        return acls;
    }

    private static ManifestDocument user(String name) throws IOException {
        return ofKind(allSourceDocuments(), "KafkaUser").stream().filter(d -> d.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no KafkaUser " + name));
    }

    @Test
    void trainerMayWriteStepsAndEvalsAndReadControlOnly() throws IOException {
        Map<String, Set<String>> acls = acls(user("untangle-trainer"));
        assertEquals(Set.of("Write", "Describe"), acls.get("topic:untangle.steps.v1:literal"));
        assertEquals(Set.of("Write", "Describe"), acls.get("topic:untangle.evals.v1:literal"));
        assertEquals(Set.of("Read", "Describe"), acls.get("topic:untangle.control.v1:literal"));
        assertFalse(acls.containsKey("topic:untangle.alerts.v1:literal"), "the trainer has no business with alerts");
        assertTrue(acls.keySet().stream().noneMatch(k -> k.startsWith("transactionalId")), "the trainer is not transactional");
    }

    @Test
    void monitorHasWhatExactlyOnceStreamsNeeds() throws IOException {
        Map<String, Set<String>> acls = acls(user("untangle-monitor"));
        assertEquals(Set.of("Read", "Describe"), acls.get("topic:untangle.steps.v1:literal"));
        assertEquals(Set.of("Read", "Describe"), acls.get("topic:untangle.evals.v1:literal"));
        assertEquals(Set.of("Write", "Describe"), acls.get("topic:untangle.alerts.v1:literal"));
        assertEquals(Set.of("Write", "Describe"), acls.get("topic:untangle.control.v1:literal"));
        // application.id "untangle-monitor" (MonitorApp): consumer group, internal topics, EOS v2 producers
        assertTrue(acls.get("group:untangle-monitor:literal").contains("Read"));
        assertTrue(acls.get("topic:untangle-monitor-:prefix").containsAll(Set.of("Create", "Read", "Write", "Describe")));
        assertEquals(Set.of("Write", "Describe"), acls.get("transactionalId:untangle-monitor-:prefix"));
        assertTrue(acls.get("cluster::literal").contains("IdempotentWrite"));
    }

    @Test
    void trainerJobHasGpuCheckpointVolumeAndResumes() throws IOException {
        JsonNode job = ofKind(allSourceDocuments(), "Job").get(0).body();
        assertTrue(job.path("spec").path("backoffLimit").asInt() > 0, "a failed pod must be replaced");
        JsonNode pod = job.path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        assertEquals(1, container.path("resources").path("limits").path("nvidia.com/gpu").asInt());
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        assertTrue(args.contains("--resume"), "restarted pods must resume: " + args);
        String checkpointDir = args.stream().filter(a -> a.startsWith("--out=")).findFirst()
                .orElseThrow().substring("--out=".length());
        String volume = null;
        for (JsonNode mount : container.path("volumeMounts")) {
            if (mount.path("mountPath").asText().equals(checkpointDir)) {
                volume = mount.path("name").asText();
            }
        }
        assertTrue(volume != null, "checkpoint dir " + checkpointDir + " is not a mounted volume");
        String claim = null;
        for (JsonNode v : pod.path("volumes")) {
            if (v.path("name").asText().equals(volume)) {
                claim = v.path("persistentVolumeClaim").path("claimName").asText(null);
            }
        }
        assertEquals("untangle-checkpoints", claim, "checkpoints must live on the PVC");
    }

    @Test
    void prometheusRuleCarriesTheRulesFileAndTheReleaseLabel() throws IOException {
        ManifestDocument rule = ofKind(allSourceDocuments(), "PrometheusRule").get(0);
        JsonNode rulesFile = YAML.readTree(ROOT.resolve("dashboards/prometheus/rules/untangle.rules.yml").toFile());
        assertEquals(rulesFile.path("groups"), rule.body().path("spec").path("groups"),
                "k8s PrometheusRule differs from dashboards/prometheus/rules/untangle.rules.yml: run dashboards/tools/gen_prometheusrule.py");
        assertFalse(rule.body().path("metadata").path("labels").path("release").asText().isEmpty(),
                "kube-prometheus-stack selects PrometheusRules by the release label");
        ManifestDocument monitor = ofKind(allSourceDocuments(), "ServiceMonitor").get(0);
        assertFalse(monitor.body().path("metadata").path("labels").path("release").asText().isEmpty(),
                "kube-prometheus-stack selects ServiceMonitors by the release label");
        assertEquals("app.kubernetes.io/name", monitor.body().path("spec").path("jobLabel").asText(),
                "job must become untangle-trainer / untangle-monitor, as the rules expect");
    }

    private static List<ManifestDocument> kustomize(String dir) throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl not on PATH: kustomize rendering of " + dir + " not checked");
        Process p = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve(dir).toString()).start();
        String rendered = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String errors = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize timed out");
        assertEquals(0, p.exitValue(), "kubectl kustomize " + dir + " failed: " + errors);
        return ManifestChecker.read("kubectl kustomize " + dir, rendered);
    }

    @ParameterizedTest
    @ValueSource(strings = {"k8s/base", "k8s/overlays/cpu"})
    void kustomizeRendersValidManifestsWithTheDashboardConfigMap(String dir) throws Exception {
        List<ManifestDocument> docs = kustomize(dir);
        assertEquals(20, docs.size());
        assertNoFindings(docs);
        for (ManifestDocument d : docs) {
            if (!d.kind().equals("Namespace")) {
                assertEquals("untangle", d.body().path("metadata").path("namespace").asText(), d.where());
            }
        }
        ManifestDocument dashboard = ofKind(docs, "ConfigMap").get(0);
        assertEquals("1", dashboard.body().path("metadata").path("labels").path("grafana_dashboard").asText(),
                "Grafana's sidecar loads ConfigMaps labelled grafana_dashboard: \"1\"");
        assertEquals(Files.readString(ROOT.resolve("dashboards/grafana/untangle.json")),
                dashboard.body().path("data").path("untangle.json").asText(),
                "the ConfigMap must carry the dashboard file unchanged");
    }

    @Test
    void cpuOverlayDropsOnlyTheGpu() throws Exception {
        JsonNode job = ofKind(kustomize("k8s/overlays/cpu"), "Job").get(0).body();
        JsonNode pod = job.path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        assertTrue(container.path("resources").path("limits").path("nvidia.com/gpu").isMissingNode());
        assertTrue(pod.path("tolerations").isMissingNode());
        assertEquals("untangle-trainer:cpu", container.path("image").asText());
        assertEquals("32Gi", container.path("resources").path("limits").path("memory").asText());
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
    }
}
