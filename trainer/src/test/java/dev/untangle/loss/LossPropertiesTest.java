package dev.untangle.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Per-loss behaviour with hand-computed values (DESIGN.md section 1 table). */
class LossPropertiesTest {
    private static final LossConfig DEFAULTS = LossConfig.defaults(); // beta 0.1

    private static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }

    @Test
    void ipoIsLengthInvariant() {
        // |y_w| = 10, log-ratio +6 (0.6 per token); |y_l| = 8, log-ratio -2 (-0.25 per token): u = 0.85
        LossHarness.Batch shortPair = new LossHarness.Batch(new double[] {-20}, new double[] {-30},
                new double[] {-26}, new double[] {-28}, new double[] {10}, new double[] {8}, null, null);
        // the chosen response three times as long, its summed log-probs three times as large
        LossHarness.Batch longPair = new LossHarness.Batch(new double[] {-60}, new double[] {-30},
                new double[] {-78}, new double[] {-28}, new double[] {30}, new double[] {8}, null, null);
        PreferenceLoss ipo = Losses.create("ipo", DEFAULTS);
        LossHarness.Evaluation shortResult = LossHarness.evaluate(ipo, shortPair);
        LossHarness.Evaluation longResult = LossHarness.evaluate(ipo, longPair);
        assertEquals(Math.pow(0.85 - 5, 2), shortResult.loss(), 1e-12); // 17.2225
        assertEquals(shortResult.loss(), longResult.loss(), 1e-12);
        // per-token gradient is the same: the summed-log-prob weight shrinks as 1/|y_w|
        assertEquals(shortResult.gradChosen()[0] * 10, longResult.gradChosen()[0] * 30, 1e-12);
        assertEquals(1.0 / 30, longResult.output().lambdaChosen()[0], 1e-15);
        assertEquals(2 * (5 - 0.85), longResult.output().slope()[0], 1e-12);
        assertEquals(0.1 * 0.6, shortResult.output().rewardsChosen()[0], 1e-12); // TRL logs per-token rewards
    }

    @Test
    void dpopPenaltyActsOnlyBelowTheReference() {
        PreferenceLoss dpop = Losses.create("dpop", DEFAULTS); // lambda 50
        LossHarness.Evaluation below = LossHarness.evaluate(dpop, LossHarness.pair(-10.001, -15, -10, -15));
        LossHarness.Evaluation at = LossHarness.evaluate(dpop, LossHarness.pair(-10, -15, -10, -15));
        LossHarness.Evaluation above = LossHarness.evaluate(dpop, LossHarness.pair(-9.999, -15, -10, -15));
        assertEquals(0.1 * 51, below.output().lambdaChosen()[0], 1e-12);
        assertEquals(0.1, at.output().lambdaChosen()[0], 1e-12);
        assertEquals(0.1, above.output().lambdaChosen()[0], 1e-12);
        // below: u = 0.1*(-0.001 - 50*0.001) = -0.0051
        assertEquals(softplus(0.0051), below.loss(), 1e-12);
        assertEquals(-5.1 * (1 / (1 + Math.exp(-0.0051))), below.gradChosen()[0], 1e-12);
        assertEquals(-0.1 * 0.5, at.gradChosen()[0], 1e-12);
        assertEquals(-0.1 / (1 + Math.exp(0.0001)), above.gradChosen()[0], 1e-12);
        // the rejected side never sees the penalty
        assertEquals(0.1, below.output().lambdaRejected()[0], 1e-15);
    }

    @Test
    void robustReducesToSigmoidAtZeroSmoothingAndMatchesItsFormulaOtherwise() {
        LossHarness.Batch batch = LossHarness.random(3, 5);
        LossHarness.Evaluation sigmoid = LossHarness.evaluate(Losses.create("sigmoid", DEFAULTS), batch);
        LossHarness.Evaluation robust = LossHarness.evaluate(Losses.create("robust", DEFAULTS), batch);
        assertEquals(sigmoid.loss(), robust.loss(), 1e-12);
        assertArrayEquals(sigmoid.output().chosenWeight(), robust.output().chosenWeight(), 1e-12);
        assertArrayEquals(sigmoid.output().slope(), robust.output().slope(), 1e-12);

        // eps 0.1, margin 6, beta 0.1: ((0.9)*softplus(-0.6) - 0.1*softplus(0.6)) / 0.8 = 0.362488
        LossHarness.Evaluation smoothed = LossHarness.evaluate(
                Losses.create("robust", DEFAULTS.withLabelSmoothing(0.1)), LossHarness.pair(-4, -7, -10, -7));
        assertEquals((0.9 * softplus(-0.6) - 0.1 * softplus(0.6)) / 0.8, smoothed.loss(), 1e-12);
        assertEquals(0.362488, smoothed.loss(), 1e-6);
    }

    @Test
    void simpoGammaShiftsTheMargin() {
        // beta 2: lw = -10 over 5 tokens (-2), ll = -24 over 8 tokens (-3): u = 2*(-2 + 3) - gamma
        LossHarness.Batch pair = new LossHarness.Batch(new double[] {-10}, new double[] {-24}, null, null,
                new double[] {5}, new double[] {8}, null, null);
        LossConfig config = DEFAULTS.withBeta(2);
        LossHarness.Evaluation noGamma = LossHarness.evaluate(Losses.create("simpo", config.withSimpoGamma(0)), pair);
        LossHarness.Evaluation gamma = LossHarness.evaluate(Losses.create("simpo", config.withSimpoGamma(0.5)), pair);
        assertEquals(softplus(-2), noGamma.loss(), 1e-12); // 0.126928
        assertEquals(softplus(-1.5), gamma.loss(), 1e-12); // 0.201413
        assertEquals(1 / (1 + Math.exp(1.5)), gamma.output().slope()[0], 1e-12);
        assertEquals(2.0 / 5, gamma.output().lambdaChosen()[0], 1e-15);
        assertEquals(2.0 / 8, gamma.output().lambdaRejected()[0], 1e-15);
        assertEquals(-4.0, gamma.output().rewardsChosen()[0], 1e-12); // beta * mean token log-prob
    }

    @Test
    void npoCoefficientsScaleAsOneOverTheNorms() {
        LossHarness.Batch batch = LossHarness.random(4, 5);
        LossHarness.Evaluation npo = LossHarness.evaluate(Losses.create("npo", DEFAULTS), batch);
        for (int i = 0; i < 5; i++) {
            assertEquals(0.1 / batch.chosenScale()[i], npo.output().lambdaChosen()[i], 1e-15);
            assertEquals(0.1 / batch.rejectedScale()[i], npo.output().lambdaRejected()[i], 1e-15);
        }
        // doubling every norm halves every lambda, and halves the gradient at the same u (u scales too)
        double[] twiceChosen = batch.chosenScale().clone();
        double[] twiceRejected = batch.rejectedScale().clone();
        for (int i = 0; i < 5; i++) {
            twiceChosen[i] *= 2;
            twiceRejected[i] *= 2;
        }
        LossHarness.Evaluation doubled = LossHarness.evaluate(Losses.create("npo", DEFAULTS),
                batch.withScales(twiceChosen, twiceRejected));
        for (int i = 0; i < 5; i++) {
            assertEquals(npo.output().lambdaChosen()[i] / 2, doubled.output().lambdaChosen()[i], 1e-15);
        }
        // unit norms (null) give exactly the sigmoid loss
        LossHarness.Batch unscaled = batch.withScales(null, null);
        LossHarness.Evaluation unit = LossHarness.evaluate(Losses.create("npo", DEFAULTS), unscaled);
        LossHarness.Evaluation sigmoid = LossHarness.evaluate(Losses.create("sigmoid", DEFAULTS), unscaled);
        assertEquals(sigmoid.loss(), unit.loss(), 1e-12);
        assertArrayEquals(sigmoid.output().chosenWeight(), unit.output().chosenWeight(), 1e-12);
    }

    @Test
    void hingeIsSilentPastTheMargin() {
        // margin 12: u = 1.2 > 1
        LossHarness.Evaluation result = LossHarness.evaluate(Losses.create("hinge", DEFAULTS),
                LossHarness.pair(2, -7, -10, -7));
        assertEquals(0.0, result.loss(), 0);
        assertEquals(0.0, result.output().slope()[0]);
        assertEquals(0.0, result.gradChosen()[0], 0);
        assertEquals(0.0, result.output().chosenWeight()[0], 0);
    }

    @Test
    void rpoAddsTheTokenAveragedChosenNll() {
        // lw = (-8, -12) over (4, 6) tokens: NLL per token = 20/10 = 2; alpha_eff = 1*2/10 = 0.2
        LossHarness.Batch batch = new LossHarness.Batch(new double[] {-8, -12}, new double[] {-9, -9},
                new double[] {-10, -10}, new double[] {-9, -9}, new double[] {4, 6}, new double[] {5, 5}, null, null);
        LossHarness.Evaluation rpo = LossHarness.evaluate(Losses.create("rpo", DEFAULTS), batch);
        LossHarness.Evaluation sigmoid = LossHarness.evaluate(Losses.create("sigmoid", DEFAULTS), batch);
        assertEquals(sigmoid.loss() + 2.0, rpo.loss(), 1e-12);
        assertEquals(0.2, rpo.output().nllAlpha(), 1e-15);
        assertEquals(sigmoid.gradChosen()[0] - 0.1, rpo.gradChosen()[0], 1e-12); // -alpha_eff/B
    }

    @Test
    void slicUsesTheSummedChosenLogProb() {
        // u = 0.1*(-8 - -9) = 0.1: relu(1 - 0.1) = 0.9 plus -mean(lw) = 8
        LossHarness.Batch batch = new LossHarness.Batch(new double[] {-8}, new double[] {-9}, null, null,
                null, null, null, null);
        LossHarness.Evaluation slic = LossHarness.evaluate(Losses.create("slic", DEFAULTS), batch);
        assertEquals(0.9 + 8, slic.loss(), 1e-12);
        assertEquals(1.0, slic.output().nllAlpha());
        assertEquals(-0.1 - 1.0, slic.gradChosen()[0], 1e-12);
    }

    @Test
    void orpoOddsRatioByHand() {
        // chosen: -2 over 2 tokens (a = -1, P = e^-1); rejected: -6 over 3 tokens (a = -2, P = e^-2)
        LossHarness.Batch batch = new LossHarness.Batch(new double[] {-2}, new double[] {-6}, null, null,
                new double[] {2}, new double[] {3}, null, null);
        LossHarness.Evaluation orpo = LossHarness.evaluate(Losses.create("orpo", DEFAULTS), batch);
        double pChosen = Math.exp(-1);
        double pRejected = Math.exp(-2);
        double u = (-1 - Math.log(1 - pChosen)) - (-2 - Math.log(1 - pRejected)); // 1.313262
        assertEquals(1.313262, u, 1e-6);
        assertEquals(0.1 * softplus(-u) + 1.0, orpo.loss(), 1e-12); // NLL per token = 2/2 = 1
        assertEquals(1 / (2 * (1 - pChosen)), orpo.output().lambdaChosen()[0], 1e-12);
        assertEquals(1 / (3 * (1 - pRejected)), orpo.output().lambdaRejected()[0], 1e-12);
        assertEquals(0.5, orpo.output().nllAlpha(), 1e-15); // alpha*B/sum|y_w| = 1/2
        assertEquals(-0.1, orpo.output().rewardsChosen()[0], 1e-12);
    }

    @Test
    void calDpoAddsCalibrationTowardsPlusMinusOneOverTwoBeta() {
        // margin 6 pair: 0.437488 + (6 - 5)^2 + (0 + 5)^2
        LossHarness.Evaluation cal = LossHarness.evaluate(Losses.create("caldpo", DEFAULTS),
                LossHarness.pair(-4, -7, -10, -7));
        assertEquals(softplus(-0.6) + 1 + 25, cal.loss(), 1e-12);
        double k = 1 / (1 + Math.exp(0.6));
        assertEquals(k * 0.1 - 2 * (6 - 5), cal.output().chosenWeight()[0], 1e-12);
        assertEquals(k * 0.1 + 2 * 5, cal.output().rejectedWeight()[0], 1e-12);
    }

    @Test
    void rdpoLengthTermEntersTheMargin() {
        // margin 6, beta 0.1, |y_w| = 20, |y_l| = 10, alpha 0.01: u = 0.6 - 0.1 = 0.5
        LossHarness.Batch pair = new LossHarness.Batch(new double[] {-4}, new double[] {-7}, new double[] {-10},
                new double[] {-7}, new double[] {20}, new double[] {10}, null, null);
        LossHarness.Evaluation rdpo = LossHarness.evaluate(Losses.create("rdpo", DEFAULTS), pair);
        assertEquals(softplus(-0.5), rdpo.loss(), 1e-12); // 0.474077
        assertEquals(0.1, rdpo.output().lambdaChosen()[0], 1e-15);
    }

    @Test
    void cpoIsReferenceFreeSigmoidPlusTokenNll() {
        // u = 0.1*(-8 + 12) = 0.4; NLL per token 8/4 = 2
        LossHarness.Batch pair = new LossHarness.Batch(new double[] {-8}, new double[] {-12}, null, null,
                new double[] {4}, new double[] {6}, null, null);
        LossHarness.Evaluation cpo = LossHarness.evaluate(Losses.create("cpo", DEFAULTS), pair);
        assertEquals(softplus(-0.4) + 2, cpo.loss(), 1e-12);
        assertEquals(0.25, cpo.output().nllAlpha(), 1e-15);
        assertEquals(-0.8, cpo.output().rewardsChosen()[0], 1e-12);
    }
}
