package dev.untangle.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** DESIGN.md section 1 conditions with hand numbers. */
class EntanglementConditionsTest {

    @Test
    void idealWhenBothRatiosAreBelowOne() {
        // ip 0.6, ||g_w|| 1, ||g_l|| 2: ratio_chosen = 0.6/1, ratio_rejected = 0.6/4, cos = 0.6/2
        EntanglementConditions result = EntanglementConditions.of(0.6, 1, 2, 0.1, 0.1);
        assertEquals(0.6, result.ratioChosen(), 1e-15);
        assertEquals(0.15, result.ratioRejected(), 1e-15);
        assertEquals(0.3, result.cosine(), 1e-15);
        assertEquals("ideal", result.caseLabel());
        assertFalse(result.entangled());
    }

    @Test
    void lambdasWeightTheTwoRatiosOppositely() {
        // ip 3, ||g_w|| 2, ||g_l|| 4, lambda_w 0.1, lambda_l 0.3:
        // ratio_chosen = 3 * 3/4 = 2.25 (chosen falls), ratio_rejected = (1/3) * 3/16 = 0.0625
        EntanglementConditions result = EntanglementConditions.of(3, 2, 4, 0.1, 0.3);
        assertEquals(2.25, result.ratioChosen(), 1e-12);
        assertEquals(0.0625, result.ratioRejected(), 1e-12);
        assertEquals(0.375, result.cosine(), 1e-15);
        assertEquals("both_down", result.caseLabel());
        assertTrue(result.entangled());
    }

    @Test
    void batchFormUsesEachSideItsOwnNorm() {
        // ip 5, ||G_w|| 3, ||G_l|| 2: 5/9 and 5/4 (not 5/9 twice, the slip of the paper's script)
        EntanglementConditions result = EntanglementConditions.ofBatch(5, 3, 2);
        assertEquals(5.0 / 9, result.ratioChosen(), 1e-15);
        assertEquals(1.25, result.ratioRejected(), 1e-15);
        assertEquals(5.0 / 6, result.cosine(), 1e-15);
        assertEquals("both_up", result.caseLabel());
    }

    @Test
    void ratioOfExactlyOneHoldsAndNegativeProductIsIdeal() {
        assertEquals("ideal", EntanglementConditions.ofBatch(4, 2, 4).caseLabel()); // ratio_chosen = 1
        EntanglementConditions opposed = EntanglementConditions.ofBatch(-2, 1, 1);
        assertEquals(-2.0, opposed.ratioChosen(), 1e-15);
        assertEquals("ideal", opposed.caseLabel());
    }

    @Test
    void zeroNormIsUndefinedNeverNaN() {
        // a dead run: policy == reference gives g_w = 0, so ip = 0 too
        EntanglementConditions result = EntanglementConditions.ofBatch(0, 0, 2);
        assertNull(result.ratioChosen());
        assertEquals(0.0, result.ratioRejected(), 0);
        assertNull(result.cosine());
        assertEquals("undefined", result.caseLabel());
        assertFalse(result.entangled());

        EntanglementConditions nan = EntanglementConditions.of(Double.NaN, 1, 1, 0.1, 0.1);
        assertNull(nan.ratioChosen());
        assertNull(nan.ratioRejected());
        assertNull(nan.cosine());
        assertEquals("undefined", nan.caseLabel());
        assertEquals("undefined", EntanglementConditions.of(1, 1, 1, 0, 0.1).caseLabel());
        assertEquals("undefined", EntanglementConditions.of(1, Double.POSITIVE_INFINITY, 1, 0.1, 0.1).caseLabel());
    }

    @Test
    void bothAboveOneFromRoundingIsNamedByTheLargerRatio() {
        // cos > 1 cannot be measured exactly; these inputs emulate rounding of nearly parallel gradients
        EntanglementConditions chosenWorse = EntanglementConditions.ofBatch(1.21, 1, 1.05);
        assertEquals(1.21, chosenWorse.ratioChosen(), 1e-12);
        assertEquals(1.21 / 1.1025, chosenWorse.ratioRejected(), 1e-12);
        assertEquals("both_down", chosenWorse.caseLabel());
        assertEquals("both_up", EntanglementConditions.ofBatch(1.21, 1.05, 1).caseLabel());
        assertEquals("both_down", EntanglementConditions.ofBatch(1.0000001, 1, 1).caseLabel()); // a tie
    }
}
