package dev.untangle.monitor;

import dev.untangle.wire.Json;
import dev.untangle.wire.StepEvent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hand-made step events for policy tests: a healthy probe step with round numbers, and edits of it.
 * Field values are chosen so that a reader can recompute every window statistic by hand.
 */
final class TestEvents {
    private TestEvents() {
    }

    /** An ideal probe step: loss 0.5, logps -40 / -60, margin 0.5, cosine 0.5, norms 2 and 2. */
    static Map<String, Object> step(String run, long step) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("schema", StepEvent.SCHEMA);
        e.put("run_id", run);
        e.put("step", step);
        e.put("time", String.format("2026-11-20T10:%02d:%02dZ", (step / 60) % 60, step % 60));
        e.put("stage", "preference");
        e.put("loss_type", "sigmoid");
        e.put("loss", 0.5);
        e.put("beta", 0.1);
        e.put("logps_chosen", -40.0);
        e.put("logps_rejected", -60.0);
        e.put("rewards_chosen", 0.1);
        e.put("rewards_rejected", -0.4);
        e.put("rewards_margin", 0.5);
        e.put("rewards_accuracy", 1.0);
        e.put("grad_inner_product", 2.0);
        e.put("grad_norm_chosen", 2.0);
        e.put("grad_norm_rejected", 2.0);
        e.put("grad_cosine", 0.5);
        e.put("lambda_chosen", 1.0);
        e.put("lambda_rejected", 1.0);
        e.put("ratio_chosen", 0.5);
        e.put("ratio_rejected", 0.5);
        e.put("case", "ideal");
        return e;
    }

    /** Chosen falls: case both_down and logps_chosen = -40 - (step - from) nats (slope -1/step). */
    static Map<String, Object> bothDown(String run, long step, long from) {
        Map<String, Object> e = step(run, step);
        e.put("case", "both_down");
        e.put("ratio_chosen", 1.2);
        e.put("logps_chosen", -40.0 - (step - from));
        return e;
    }

    /** Rejected rises: case both_up and logps_rejected = -60 + (step - from). */
    static Map<String, Object> bothUp(String run, long step, long from) {
        Map<String, Object> e = step(run, step);
        e.put("case", "both_up");
        e.put("ratio_rejected", 1.2);
        e.put("logps_rejected", -60.0 + (step - from));
        return e;
    }

    static Map<String, Object> with(Map<String, Object> e, String field, Object value) {
        e.put(field, value);
        return e;
    }

    static String json(Map<String, Object> e) {
        return Json.write(e);
    }

    /** ../shared (or the system property untangle.shared), found by walking up from the working directory. */
    static Path shared() {
        String property = System.getProperty("untangle.shared");
        if (property != null) {
            return Path.of(property);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("scenarios"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/scenarios folder beside the working directory or its parents; set -Duntangle.shared");
    }
}
