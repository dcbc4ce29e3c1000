package dev.untangle.wire;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optional spo mask fields of schema v1: written as mask_mean_chosen / mask_mean_rejected, read back
 * exactly, and absent from events of older producers (a shared scenario file written before they existed),
 * which still parse with the fields null.
 */
class StepEventMaskFieldsTest {

    private static StepEvent withMasks(Double chosen, Double rejected) {
        return new StepEvent(StepEvent.SCHEMA, "r", 7, "t", "preference", "spo", 0.6, 0.1, 1e-4, -40.0, -60.0,
                0.1, -0.1, 0.2, 1.0, 2.0, 3.0, 4.0, 0.5, 1.0, 1.0, 0.0, 0.2, 0.1, "ideal", 1e-3, -1e-3, null, null,
                null, null, null, null, null, 0.5, 0.1, 1000.0, chosen, rejected);
    }

    @Test
    void maskMeansAreWrittenInSnakeCaseAndReadBack() throws Exception {
        String json = Json.write(withMasks(0.8125, 0.25));
        assertTrue(json.contains("\"mask_mean_chosen\":0.8125"), json);
        assertTrue(json.contains("\"mask_mean_rejected\":0.25"), json);
        StepEvent back = Json.read(json, StepEvent.class);
        assertEquals(0.8125, back.maskMeanChosen());
        assertEquals(0.25, back.maskMeanRejected());
        assertEquals(withMasks(0.8125, 0.25), back);
    }

    @Test
    void eventsWithoutTheFieldsStillParseWithNulls() throws Exception {
        List<String> lines = Files.readAllLines(sharedScenarios().resolve("healthy.jsonl"));
        assertTrue(!lines.get(0).contains("mask_mean"), "the scenario predates the fields");
        StepEvent e = Json.read(lines.get(0), StepEvent.class);
        assertNull(e.maskMeanChosen());
        assertNull(e.maskMeanRejected());
        assertEquals(0, e.step());
    }

    /** ../shared/scenarios (or -Duntangle.shared), found by walking up from the working directory. */
    private static Path sharedScenarios() {
        String property = System.getProperty("untangle.shared");
        if (property != null) {
            return Path.of(property, "scenarios");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("scenarios");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/scenarios beside the working directory or its parents; set -Duntangle.shared");
    }
}
