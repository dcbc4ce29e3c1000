package dev.untangle.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;

/**
 * One input record after parsing: exactly one of {@code step}, {@code eval}, {@code badReason} is set.
 * Parsing never throws: a record that cannot be read becomes a bad input that the monitor counts and
 * alerts on (a malformed event must not stop the monitor of every other run).
 */
record MonitorInput(StepEvent step, EvalEvent eval, String badReason) {

    static MonitorInput parseStep(String key, String json) {
        try {
            JsonNode tree = requireEvent(key, json, StepEvent.SCHEMA);
            return new MonitorInput(Json.MAPPER.treeToValue(tree, StepEvent.class), null, null);
        } catch (Exception e) {
            return bad(e);
        }
    }

    static MonitorInput parseEval(String key, String json) {
        try {
            JsonNode tree = requireEvent(key, json, EvalEvent.SCHEMA);
            return new MonitorInput(null, Json.MAPPER.treeToValue(tree, EvalEvent.class), null);
        } catch (Exception e) {
            return bad(e);
        }
    }

    /** The fields every event needs; a missing step would otherwise read as step 0. */
    private static JsonNode requireEvent(String key, String json, String schema) throws Exception {
        if (json == null) {
            throw new IllegalArgumentException("empty record value");
        }
        JsonNode tree = Json.MAPPER.readTree(json);
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (!schema.equals(tree.path("schema").asText(null))) {
            throw new IllegalArgumentException("field schema is " + tree.get("schema") + ", expected \"" + schema + "\"");
        }
        if (!tree.path("run_id").isTextual() || tree.get("run_id").asText().isEmpty()) {
            throw new IllegalArgumentException("field run_id is missing or not a string");
        }
        if (key != null && !key.equals(tree.get("run_id").asText())) {
            // The key decides the partition, and so which task holds the run's state.
            throw new IllegalArgumentException("record key " + key + " differs from run_id " + tree.get("run_id").asText());
        }
        if (!tree.path("step").canConvertToExactIntegral() || tree.get("step").asLong() < 0) {
            throw new IllegalArgumentException("field step is missing or not a non-negative integer: " + tree.get("step"));
        }
        return tree;
    }

    private static MonitorInput bad(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return new MonitorInput(null, null, newline > 0 ? message.substring(0, newline) : message);
    }
}
