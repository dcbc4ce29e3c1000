package dev.untangle.deploy;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One YAML document of a manifest file, with where it came from so every finding names the file
 * and the line the document starts on.
 */
record ManifestDocument(String source, int line, JsonNode body) {

    String apiVersion() {
        return body.path("apiVersion").asText("");
    }

    String kind() {
        return body.path("kind").asText("");
    }

    String name() {
        return body.path("metadata").path("name").asText("");
    }

    /** "k8s/base/trainer/job.yaml:5 Job/untangle-trainer", used in every message. */
    String where() {
        return source + ":" + line + " " + kind() + "/" + name();
    }
}
