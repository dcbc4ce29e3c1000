package dev.untangle.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md section 1 golden values: beta 0.1, one pair whose policy-minus-reference margin is 6
 * (lw - lw_ref = 6, ll - ll_ref = 0; for ipo with |y_w| = |y_l| = 1 so the per-token margin is also 6).
 * dL/dmargin is autograd's dL/dlw, because the margin moves one for one with lw.
 */
class GoldenValuesTest {
    private static final LossConfig BETA_01 = LossConfig.defaults().withBeta(0.1);
    // lw = -4, lw_ref = -10 (log-ratio +6); ll = ll_ref = -7
    private static final LossHarness.Batch MARGIN_SIX = LossHarness.pair(-4, -7, -10, -7);

    @Test
    void sigmoidGolden() {
        // -log sigmoid(0.6) = log(1 + e^-0.6) = 0.4374879; dL/dmargin = -0.1*sigmoid(-0.6) = -0.0354344
        LossHarness.Evaluation result = LossHarness.evaluate(Losses.create("sigmoid", BETA_01), MARGIN_SIX);
        assertEquals(0.437488, result.loss(), 5e-7);
        assertEquals(-0.035434, result.gradChosen()[0], 5e-7);
        assertEquals(0.035434, result.gradRejected()[0], 5e-7);
        assertEquals(0.035434, result.output().chosenWeight()[0], 5e-7);
        assertEquals(0.354344, result.output().slope()[0], 5e-7);
        assertEquals(0.6, result.output().rewardsChosen()[0], 1e-12);
        assertEquals(0.0, result.output().rewardsRejected()[0], 1e-12);
    }

    @Test
    void sigmoidGoldenHoldsInFloat32() {
        LossHarness.Evaluation result = LossHarness.evaluate(Losses.create("sigmoid", BETA_01), MARGIN_SIX,
                DataType.FLOAT32);
        assertEquals(0.437488, result.loss(), 1e-6);
        assertEquals(-0.035434, result.gradChosen()[0], 1e-6);
    }

    @Test
    void hingeGolden() {
        // relu(1 - 0.6) = 0.4; dL/dmargin = -beta = -0.1 while active
        LossHarness.Evaluation result = LossHarness.evaluate(Losses.create("hinge", BETA_01), MARGIN_SIX);
        assertEquals(0.4, result.loss(), 1e-12);
        assertEquals(-0.1, result.gradChosen()[0], 1e-12);
        assertEquals(1.0, result.output().slope()[0]);
    }

    @Test
    void ipoGolden() {
        // (6 - 1/(2*0.1))^2 = (6 - 5)^2 = 1; dL/dmargin = 2*(6 - 5) = +2: past the target the loss pulls back
        LossHarness.Evaluation result = LossHarness.evaluate(Losses.create("ipo", BETA_01), MARGIN_SIX);
        assertEquals(1.0, result.loss(), 1e-12);
        assertEquals(2.0, result.gradChosen()[0], 1e-12);
        assertEquals(-2.0, result.gradRejected()[0], 1e-12);
        assertEquals(-2.0, result.output().slope()[0], 1e-12); // k = 2*(5 - 6): the flipped sign
    }
}
