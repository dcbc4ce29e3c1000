package dev.untangle.spo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.untangle.loss.LossConfig;
import dev.untangle.loss.SpoLoss;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mask head's objective (spo loss on masked log-ratio sums + L1 penalty): hand-computed values, autograd
 * against central finite differences in float64, and the initial masks.
 */
class MaskHeadTest {
    private static final SpoLoss SPO = new SpoLoss(LossConfig.defaults());

    /**
     * One pair: chosen response of 3 tokens with log-ratios 1.0, 2.5, 0.5 (sum 4) then one padding position
     * (log-ratio 7 that the response mask must hide), rejected of 2 tokens with -1.5, -0.5 (sum -2): the
     * policy-minus-reference margin is 6, DESIGN.md's golden case.
     */
    private static MaskHead.Batch goldenPair(NDManager m, int width) {
        NDArray hiddenChosen = m.ones(new Shape(1, 4, width), DataType.FLOAT64);
        NDArray hiddenRejected = m.ones(new Shape(1, 2, width), DataType.FLOAT64).neg();
        return new MaskHead.Batch(hiddenChosen, hiddenRejected,
                m.create(new double[] {1, 1, 1, 0}, new Shape(1, 4)), m.create(new double[] {1, 1}, new Shape(1, 2)),
                m.create(new double[] {1.0, 2.5, 0.5, 7.0}, new Shape(1, 4)),
                m.create(new double[] {-1.5, -0.5}, new Shape(1, 2)),
                m.create(new float[] {3}), m.create(new float[] {2}));
    }

    @Test
    void allMasksOneGiveTheSigmoidGoldenValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray u = m.zeros(new Shape(4), DataType.FLOAT64);
            NDArray c = m.create(new double[] {40}); // sigmoid(40) == 1.0 in double
            MaskHead.Batch pair = goldenPair(m, 4);
            // DESIGN.md golden (beta 0.1, margin 6): sigmoid loss 0.437488.
            assertEquals(0.437488, MaskHead.objective(u, c, pair, SPO, 0.0, m).value(), 1e-6);
            // With lambda_s 0.01 the penalty adds 0.01 * (3 + 2 response tokens) / 1 pair = 0.05.
            assertEquals(0.487488, MaskHead.objective(u, c, pair, SPO, 0.01, m).value(), 1e-6);
        }
    }

    @Test
    void halfMasksGiveHandComputedValueAndBiasGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray u = m.zeros(new Shape(4), DataType.FLOAT64);
            NDArray c = m.zeros(new Shape(1), DataType.FLOAT64); // every mask 0.5
            MaskHead.Objective o = MaskHead.objective(u, c, goldenPair(m, 4), SPO, 0.01, m);
            // u = 0.1 * 0.5 * 6 = 0.3: -log sigmoid(0.3) + 0.01 * 0.5 * 5 tokens.
            assertEquals(0.579355244, o.value(), 1e-8);
            // dL/dc = sum_t dL/dm_t * m(1-m): with a = sigmoid(-0.3) * 0.1, chosen tokens -a*r_t, rejected +a*r_t,
            // every token +0.01 (L1): 0.25 * (-a*4 + a*(-2) + 0.05) = -0.0513336.
            assertEquals(-0.051333622, o.gradBias().getDouble(0), 1e-8);
        }
    }

    @Test
    void gradientMatchesCentralFiniteDifferencesInFloat64() {
        int width = 6;
        Random random = new Random(17);
        try (NDManager m = NDManager.newBaseManager()) {
            MaskHead.Batch batch = new MaskHead.Batch(
                    gaussian(m, random, new Shape(3, 5, width)), gaussian(m, random, new Shape(3, 4, width)),
                    m.create(new double[] {0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1}, new Shape(3, 5)),
                    m.create(new double[] {0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0}, new Shape(3, 4)),
                    gaussian(m, random, new Shape(3, 5)), gaussian(m, random, new Shape(3, 4)),
                    m.create(new float[] {4, 2, 5}), m.create(new float[] {4, 2, 2}));
            NDArray u = gaussian(m, random, new Shape(width)).mul(0.5);
            NDArray c = m.create(new double[] {0.3});
            for (SpoLoss loss : new SpoLoss[] {SPO, new SpoLoss(LossConfig.defaults().withBeta(0.7).withLabelSmoothing(0.2))}) {
                MaskHead.Objective o = MaskHead.objective(u, c, batch, loss, 0.05, m);
                double[] gradU = o.gradWeight().toDoubleArray();
                double eps = 1e-6;
                double worst = 0;
                for (int i = 0; i <= width; i++) {
                    boolean isBias = i == width;
                    NDArray target = isBias ? c : u;
                    int index = isBias ? 0 : i;
                    double[] base = target.toDoubleArray();
                    double[] plus = base.clone();
                    double[] minus = base.clone();
                    plus[index] += eps;
                    minus[index] -= eps;
                    double up = MaskHead.objective(isBias ? u : m.create(plus), isBias ? m.create(plus) : c, batch, loss, 0.05, m).value();
                    double down = MaskHead.objective(isBias ? u : m.create(minus), isBias ? m.create(minus) : c, batch, loss, 0.05, m).value();
                    double numeric = (up - down) / (2 * eps);
                    double analytic = isBias ? o.gradBias().getDouble(0) : gradU[i];
                    worst = Math.max(worst, Math.abs(numeric - analytic));
                    assertEquals(numeric, analytic, 1e-8 + 1e-6 * Math.abs(numeric),
                            (isBias ? "c" : "u[" + i + "]") + " beta " + loss.beta());
                }
                System.out.printf("mask head FD check (beta %.1f): value %.9f, dL/dc %.9f, max |autograd - FD| %.2e%n",
                        loss.beta(), o.value(), o.gradBias().getDouble(0), worst);
                assertTrue(Math.abs(o.gradBias().getDouble(0)) > 1e-4, "a non-trivial gradient is compared");
            }
        }
    }

    @Test
    void masksStartAtPointNineOnResponseTokensAndZeroElsewhere() {
        try (NDManager m = NDManager.newBaseManager(); MaskHead head = new MaskHead(3, "adamw", 1e-3, 0.01, m)) {
            NDArray hidden = m.randomNormal(new Shape(2, 3, 3));
            float[] masks = head.masks(hidden, m.create(new float[] {0, 1, 1, 1, 1, 0}, new Shape(2, 3))).toFloatArray();
            float point9 = (float) (1 / (1 + Math.exp(-Math.log(9)))); // sigmoid(logit(0.9)) in float32
            assertEquals(0f, masks[0]);
            assertEquals(0f, masks[5]);
            for (int i = 1; i < 5; i++) {
                assertEquals(0.9, masks[i], 1e-6);
                assertEquals(point9, masks[i], 1e-7f);
            }
        }
    }

    @Test
    void rejectsANegativeL1WeightByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new MaskHead(3, "adamw", 1e-3, -0.5, m));
            assertTrue(e.getMessage().contains("--spo-l1"), e.getMessage());
        }
    }

    private static NDArray gaussian(NDManager m, Random random, Shape shape) {
        double[] values = new double[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return m.create(values, shape);
    }
}
