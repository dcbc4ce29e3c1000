package dev.untangle.policy;

import dev.untangle.wire.Json;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicyConfigTest {
    private static PolicyConfig parse(String yaml) throws Exception {
        return PolicyConfig.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test.yaml");
    }

    @Test
    void bundledPolicyYamlStatesExactlyTheDefaults() {
        assertEquals(Json.write(PolicyConfig.defaults()), Json.write(PolicyConfig.bundled()));
    }

    @Test
    void aFileNamesOnlyWhatItChanges() throws Exception {
        PolicyConfig p = parse("chosenFalling:\n  fireFraction: 0.6\nautoSwitch: false\n");
        assertEquals(0.6, p.chosenFalling.fireFraction);
        assertEquals(0.3, p.chosenFalling.resolveFraction); // default kept inside the same section
        assertEquals(-0.05, p.chosenFalling.slopeNatsPerStep);
        assertEquals(20, p.window.steps);
        assertEquals(false, p.autoSwitch);
        assertEquals(Json.write(PolicyConfig.defaults()), Json.write(parse("")));
    }

    @Test
    void aMisspelledKeyNamesTheKeyAndLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("window:\n  steps: 30\nchosenFalling:\n  fireFracton: 0.6\n"));
        assertTrue(e.getMessage().contains("test.yaml"), e.getMessage());
        assertTrue(e.getMessage().contains("fireFracton"), e.getMessage());
        assertTrue(e.getMessage().contains("line 4"), e.getMessage());
    }

    @Test
    void outOfRangeValuesNameTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("chosenFalling:\n  fireFraction: 0.4\n  resolveFraction: 0.5\n"));
        assertTrue(e.getMessage().contains("chosenFalling.resolveFraction"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("rejectedRising:\n  slopeNatsPerStep: -0.1\n"));
        assertTrue(e.getMessage().contains("rejectedRising.slopeNatsPerStep must be >= 0"), e.getMessage());
    }

    @Test
    void leastSquaresSlopeMatchesAHandComputation() {
        // points (0,1), (1,3), (2,2), (3,6): slope = (n*sxy - sx*sy)/(n*sxx - sx^2) = (4*25 - 6*12)/(4*14 - 36) = 1.4
        double[][] pts = {{0, 1}, {1, 3}, {2, 2}, {3, 6}, {4, Double.NaN}};
        double slope = PolicyEvaluator.slope(java.util.List.of(pts), p -> p[0], p -> p[1]);
        assertEquals(1.4, slope, 1e-12);
    }
}
