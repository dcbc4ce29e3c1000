package dev.untangle.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads Kubernetes manifests and reports every problem with file, line, kind/name and field path.
 *
 * <p>Core kinds (v1, apps/v1, batch/v1, ...) go through fabric8's model classes, made strict: fabric8
 * quietly keeps an unknown field in an "additionalProperties" map (a walk over the result rejects any
 * non-empty one), and its mapper coerces "9404" into 9404 whatever coercion settings it is given (so
 * the model is written back and every scalar of the input must come back with the same JSON type
 * and value). A core apiVersion whose kind fabric8 does not know is an error too. Custom
 * resources (Strimzi, Prometheus operator) have no model here; they are validated against the JSON
 * schemas in k8s/schemas/, written for the fields this project uses and closed to others.
 */
final class ManifestChecker {
    /** apiVersion/kind -> schema file under k8s/schemas/. */
    static final Map<String, String> CUSTOM_RESOURCE_SCHEMAS = Map.of(
            "kafka.strimzi.io/v1/Kafka", "strimzi-kafka.schema.json",
            "kafka.strimzi.io/v1/KafkaNodePool", "strimzi-kafkanodepool.schema.json",
            "kafka.strimzi.io/v1/KafkaTopic", "strimzi-kafkatopic.schema.json",
            "kafka.strimzi.io/v1/KafkaUser", "strimzi-kafkauser.schema.json",
            "monitoring.coreos.com/v1/ServiceMonitor", "servicemonitor.schema.json",
            "monitoring.coreos.com/v1/PrometheusRule", "prometheusrule.schema.json");

    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesSerialization strict;
    private final Path schemaDir;
    private final JsonSchemaFactory schemaFactory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7);

    ManifestChecker(Path schemaDir) {
        this.schemaDir = schemaDir;
        this.strict = new KubernetesSerialization();
    }

    /** Every non-empty YAML document of the file; source is the name used in messages. */
    static List<ManifestDocument> read(String source, String yaml) {
        List<ManifestDocument> docs = new ArrayList<>();
        try (JsonParser parser = new YAMLFactory().createParser(yaml)) {
            parser.setCodec(YAML);
            while (true) {
                JsonToken token = parser.nextToken();
                if (token == null) {
                    break;
                }
                int line = parser.currentTokenLocation().getLineNr();
                JsonNode node = parser.readValueAsTree();
                if (node != null && !node.isNull() && !node.isMissingNode()) {
                    docs.add(new ManifestDocument(source, line, node));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not YAML: " + e.getMessage(), e);
        }
        return docs;
    }

    static List<ManifestDocument> read(Path root, Path file) throws IOException {
        return read(root.relativize(file).toString(), Files.readString(file));
    }

    static boolean isCustomResource(ManifestDocument doc) {
        String group = doc.apiVersion().contains("/") ? doc.apiVersion().substring(0, doc.apiVersion().indexOf('/')) : "";
        return group.contains(".") && !group.endsWith(".k8s.io");
    }

    /** All findings for one document; empty when it is valid. */
    List<String> check(ManifestDocument doc) {
        List<String> findings = new ArrayList<>();
        if (doc.apiVersion().isEmpty() || doc.kind().isEmpty() || doc.name().isEmpty()) {
            findings.add(doc.where() + ": needs apiVersion, kind and metadata.name");
            return findings;
        }
        if (isCustomResource(doc)) {
            checkCustomResource(doc, findings);
        } else {
            checkCore(doc, findings);
        }
        return findings;
    }

    private void checkCore(ManifestDocument doc, List<String> findings) {
        Object model;
        try {
            model = strict.unmarshal(JSON.writeValueAsString(doc.body()));
        } catch (RuntimeException | IOException e) {
            findings.add(doc.where() + ": " + firstLine(e.getMessage()));
            return;
        }
        if (model instanceof GenericKubernetesResource || !(model instanceof KubernetesResource)) {
            findings.add(doc.where() + ": unknown kind " + doc.kind() + " in " + doc.apiVersion());
            return;
        }
        collectAdditionalProperties(model, doc.kind(), findings, doc, new IdentityHashMap<>());
        try {
            compareScalars(doc.body(), JSON.readTree(strict.asJson(model)), doc.kind(), findings, doc);
        } catch (IOException e) {
            findings.add(doc.where() + ": cannot write back: " + e.getMessage());
        }
    }

    /** Every scalar of the manifest must survive the model unchanged in type and value. */
    private static void compareScalars(JsonNode in, JsonNode out, String path, List<String> findings, ManifestDocument doc) {
        if (in.isObject()) {
            in.fields().forEachRemaining(e -> {
                JsonNode o = out == null ? null : out.get(e.getKey());
                if (o == null && !e.getValue().isNull() && !isEmptyContainer(e.getValue())) {
                    findings.add(doc.where() + ": field " + path + "." + e.getKey() + " is dropped by the model");
                } else if (o != null) {
                    compareScalars(e.getValue(), o, path + "." + e.getKey(), findings, doc);
                }
            });
        } else if (in.isArray()) {
            for (int i = 0; i < in.size(); i++) {
                compareScalars(in.get(i), out.path(i), path + "[" + i + "]", findings, doc);
            }
        } else if (!sameScalar(in, out)) {
            findings.add(doc.where() + ": " + path + " is " + describe(in) + " but the API type is " + describe(out));
        }
    }

    private static boolean isEmptyContainer(JsonNode n) {
        return n.isContainerNode() && n.isEmpty();
    }

    private static boolean sameScalar(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isNumber() && b.isTextual()) {
            // a Quantity (resources) is written back as a string; Kubernetes takes the number as well
            return b.asText().equals(a.asText());
        }
        return a.getNodeType() == b.getNodeType() && a.equals(b);
    }

    private static String describe(JsonNode n) {
        return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + " " + n;
    }

    private void checkCustomResource(ManifestDocument doc, List<String> findings) {
        String schemaFile = CUSTOM_RESOURCE_SCHEMAS.get(doc.apiVersion() + "/" + doc.kind());
        if (schemaFile == null) {
            findings.add(doc.where() + ": no schema in k8s/schemas for " + doc.apiVersion() + " " + doc.kind());
            return;
        }
        JsonSchema schema;
        try {
            schema = schemaFactory.getSchema(Files.readString(schemaDir.resolve(schemaFile)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read schema " + schemaDir.resolve(schemaFile), e);
        }
        Set<ValidationMessage> messages = schema.validate(doc.body());
        for (ValidationMessage m : messages) {
            findings.add(doc.where() + ": " + m.getMessage() + " (schema " + schemaFile + ")");
        }
    }

    /**
     * fabric8 keeps fields it does not know in additionalProperties instead of failing; a field that
     * lands there is a typo or a field of another API version, so report its path.
     */
    private static void collectAdditionalProperties(Object value, String path, List<String> findings,
                                                    ManifestDocument doc, Map<Object, Boolean> seen) {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectAdditionalProperties(item, path + "[" + i++ + "]", findings, doc, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                collectAdditionalProperties(e.getValue(), path + "." + e.getKey(), findings, doc, seen);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !getter.getName().startsWith("get") || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    findings.add(doc.where() + ": unknown field(s) " + extra.keySet() + " at " + path);
                }
                continue;
            }
            String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            collectAdditionalProperties(child, path + "." + field, findings, doc, seen);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "cannot be read";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
