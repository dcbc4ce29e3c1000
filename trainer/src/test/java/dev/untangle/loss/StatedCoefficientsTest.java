package dev.untangle.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * For every registered loss, the coefficients it states are the true derivatives of the loss it trains with
 * (LossOutput's convention: chosenWeight_i = -dL/dlw_i, rejectedWeight_i = +dL/dll_i), and they are consistent
 * with the margin form (k_i*lambda_w,i + alpha)/B and k_i*lambda_l,i/B (DESIGN.md section 1, batch form).
 */
class StatedCoefficientsTest {
    private static final int BATCH = 5;
    private static final List<LossConfig> CONFIGS = List.of(
            LossConfig.defaults(),
            // label smoothing on, a larger beta and a non-default margin, so every term is exercised
            LossConfig.defaults().withBeta(0.5).withLabelSmoothing(0.1).withHingeMargin(3).withNllAlpha(0.3));

    static List<String> types() {
        return Losses.known();
    }

    @ParameterizedTest
    @MethodSource("types")
    void statedWeightsAreAutogradDerivatives(String type) {
        for (LossConfig config : CONFIGS) {
            for (long seed = 1; seed <= 3; seed++) {
                LossHarness.Evaluation result = LossHarness.evaluate(Losses.create(type, config),
                        LossHarness.random(seed, BATCH));
                LossOutput output = result.output();
                for (int i = 0; i < BATCH; i++) {
                    String where = type + " seed " + seed + " pair " + i + " config " + config;
                    assertEquals(-result.gradChosen()[i], output.chosenWeight()[i], 1e-6, where + " chosenWeight");
                    assertEquals(result.gradRejected()[i], output.rejectedWeight()[i], 1e-6,
                            where + " rejectedWeight");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void statedWeightsMatchAutogradInFloat32(String type) {
        LossHarness.Evaluation result = LossHarness.evaluate(Losses.create(type, LossConfig.defaults()),
                LossHarness.random(7, BATCH), DataType.FLOAT32);
        for (int i = 0; i < BATCH; i++) {
            double tolerance = 1e-6 + 1e-5 * Math.abs(result.gradChosen()[i]);
            assertEquals(-result.gradChosen()[i], result.output().chosenWeight()[i], tolerance, type + " pair " + i);
            tolerance = 1e-6 + 1e-5 * Math.abs(result.gradRejected()[i]);
            assertEquals(result.gradRejected()[i], result.output().rejectedWeight()[i], tolerance, type + " pair " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("types")
    void statedCoefficientsAreConsistentWithTheMarginForm(String type) {
        for (LossConfig config : CONFIGS) {
            LossOutput output = LossHarness.evaluate(Losses.create(type, config), LossHarness.random(11, BATCH))
                    .output();
            double[] calibrationChosen = new double[BATCH];
            double[] calibrationRejected = new double[BATCH];
            if (type.equals("caldpo")) {
                // Cal-DPO's squared terms act on each response alone (not margin form): with r = reward/beta,
                // -d/dlw (r_w - 1/(2b))^2 = -2*(r_w - 1/(2b)) and d/dll (r_l + 1/(2b))^2 = 2*(r_l + 1/(2b))
                double target = 1 / (2 * config.beta());
                for (int i = 0; i < BATCH; i++) {
                    calibrationChosen[i] = -2 * (output.rewardsChosen()[i] / config.beta() - target);
                    calibrationRejected[i] = 2 * (output.rewardsRejected()[i] / config.beta() + target);
                }
            }
            for (int i = 0; i < BATCH; i++) {
                double chosen = (output.slope()[i] * output.lambdaChosen()[i] + output.nllAlpha()
                        + calibrationChosen[i]) / BATCH;
                double rejected = (output.slope()[i] * output.lambdaRejected()[i] + calibrationRejected[i]) / BATCH;
                assertEquals(output.chosenWeight()[i], chosen, 1e-12, type + " chosen pair " + i);
                assertEquals(output.rejectedWeight()[i], rejected, 1e-12, type + " rejected pair " + i);
                assertTrue(output.lambdaChosen()[i] > 0 && output.lambdaRejected()[i] > 0, type + " lambdas > 0");
            }
        }
    }

    /** Central differences of the loss value in float64 against autograd, for losses with nonlinear pieces. */
    @ParameterizedTest
    @ValueSource(strings = {"sigmoid", "ipo", "robust", "dpop", "orpo", "caldpo", "cpo", "simpo", "npo"})
    void lossValueFiniteDifferencesMatchAutograd(String type) {
        LossConfig config = LossConfig.defaults().withLabelSmoothing(0.05);
        PreferenceLoss loss = Losses.create(type, config);
        LossHarness.Batch batch = LossHarness.random(5, BATCH);
        LossHarness.Evaluation result = LossHarness.evaluate(loss, batch);
        double step = 1e-5;
        for (int i = 0; i < BATCH; i++) {
            double[] up = batch.chosen().clone();
            double[] down = batch.chosen().clone();
            up[i] += step;
            down[i] -= step;
            double numeric = (LossHarness.value(loss, batch.withChosen(up))
                    - LossHarness.value(loss, batch.withChosen(down))) / (2 * step);
            assertEquals(result.gradChosen()[i], numeric, 1e-7, type + " dL/dlw pair " + i);

            up = batch.rejected().clone();
            down = batch.rejected().clone();
            up[i] += step;
            down[i] -= step;
            numeric = (LossHarness.value(loss, batch.withRejected(up))
                    - LossHarness.value(loss, batch.withRejected(down))) / (2 * step);
            assertEquals(result.gradRejected()[i], numeric, 1e-7, type + " dL/dll pair " + i);
        }
    }
}
