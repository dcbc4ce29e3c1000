package dev.untangle.probe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.untangle.loop.GradientAlgebra;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.untangle.loop.Gradients;
import dev.untangle.loop.Optimizer;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.LossConfig;
import dev.untangle.loss.Losses;
import dev.untangle.loss.PreferenceLoss;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreferenceStepTest {
    private static final int VOCAB = 48;

    private static Gpt tinyModel(NDManager m, long seed) {
        Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB));
        model.initialize(m, seed);
        return model;
    }

    private static Map<String, float[]> snapshot(Gpt model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        new Gradients(model).parameterArrays().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    /** The probe's update G_l - G_w (applied with SGD, lr 1) equals the loss's own autograd gradient. */
    @Test
    void probeUpdateEqualsTheLossGradientForEveryLoss() {
        for (String type : Losses.known()) {
            try (NDManager m = NDManager.newBaseManager()) {
                Gpt plainModel = tinyModel(m, 7);
                Gpt probeModel = tinyModel(m, 7);
                Map<String, float[]> before = snapshot(plainModel);
                PreferenceLoss loss = Losses.create(type, LossConfig.defaults());
                TokenBatch[] b = TinyBatches.pairs(m, 4, VOCAB, 11, 0);
                double[] refC = {-20.5, -18.0, -25.25, -17.0};
                double[] refR = {-21.0, -19.5, -24.0, -16.0};
                double[] scale = {2.0, 2.0, 2.0, 2.0};
                PreferenceStep.Inputs in = new PreferenceStep.Inputs(b[0], b[1],
                        loss.needsReference() ? refC : null, loss.needsReference() ? refR : null,
                        "npo".equals(type) ? scale : null, "npo".equals(type) ? new double[] {3, 3, 3, 3} : null);
                try (Optimizer sgd1 = Optimizer.create("sgd", 0, m); Optimizer sgd2 = Optimizer.create("sgd", 0, m);
                     NDManager step = m.newSubManager()) {
                    StepOutcome plain = new PreferenceStep(plainModel, new ParameterStore(m, false))
                            .run(loss, sgd1, 1.0, in, false, false, false, step);
                    StepOutcome probe = new PreferenceStep(probeModel, new ParameterStore(m, false))
                            .run(loss, sgd2, 1.0, in, true, false, false, step);
                    assertTrue(plain.applied() && probe.applied(), type + ": " + plain.skipReason() + " / " + probe.skipReason() + " loss " + plain.loss() + " nw " + probe.normChosen() + " nl " + probe.normRejected() + " ip " + probe.innerProduct() + " gn " + probe.gradNorm() + " plain gn " + plain.gradNorm());
                    assertEquals(plain.loss(), probe.loss(), 1e-6, type + " loss");
                    Map<String, float[]> afterPlain = snapshot(plainModel);
                    Map<String, float[]> afterProbe = snapshot(probeModel);
                    double maxDiff = 0;
                    double maxGrad = 0;
                    String worst = "";
                    for (String name : before.keySet()) {
                        float[] w0 = before.get(name);
                        float[] a = afterPlain.get(name);
                        float[] c = afterProbe.get(name);
                        for (int i = 0; i < w0.length; i++) {
                            double d = Math.abs((a[i] - w0[i]) - (c[i] - w0[i]));
                            if (d > maxDiff) {
                                maxDiff = d;
                                worst = name + "[" + i + "] plain " + (a[i] - w0[i]) + " probe " + (c[i] - w0[i]);
                            }
                            maxGrad = Math.max(maxGrad, Math.abs(a[i] - w0[i]));
                        }
                    }
                    assertTrue(maxGrad > 1e-6, type + ": the loss must move the weights");
                    assertTrue(maxDiff <= 1e-6 + 1e-5 * maxGrad, type + ": probe update differs from the loss gradient by "
                            + maxDiff + " at " + worst + " (largest gradient entry " + maxGrad + ")");
                }
            }
        }
    }

    private static Map<String, double[]> snapshot64(Gpt model) {
        Map<String, double[]> out = new LinkedHashMap<>();
        new Gradients(model).parameterArrays().forEach((k, v) -> out.put(k, v.toType(DataType.FLOAT64, false).toDoubleArray()));
        return out;
    }

    /** {largest |update_a - update_b|, largest |update_a|} over all weights, updates measured from before. */
    private static double[] updateDifference(Map<String, double[]> before, Map<String, double[]> afterA,
                                             Map<String, double[]> afterB) {
        double maxDiff = 0;
        double maxDelta = 0;
        for (String name : before.keySet()) {
            for (int i = 0; i < before.get(name).length; i++) {
                double da = afterA.get(name)[i] - before.get(name)[i];
                double db = afterB.get(name)[i] - before.get(name)[i];
                maxDiff = Math.max(maxDiff, Math.abs(da - db));
                maxDelta = Math.max(maxDelta, Math.abs(da));
            }
        }
        return new double[] {maxDiff, maxDelta};
    }

    /**
     * npo's per-pair form: one grouped pass with a group per sequence gives every g_w^i, g_l^i; the step must
     * equal a plain npo step whose scales are those per-pair gradient norms (+eps), computed here one
     * sequence at a time with separate backward passes (float64 model).
     */
    @Test
    void npoPerPairScalesAreEachSequencesOwnGradientNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt probed = new Gpt(GptConfig.preset("tiny", VOCAB));
            probed.initialize(m, DataType.FLOAT64, 17);
            Gpt plain = new Gpt(GptConfig.preset("tiny", VOCAB));
            plain.initialize(m, DataType.FLOAT64, 17);
            Gpt separate = new Gpt(GptConfig.preset("tiny", VOCAB));
            separate.initialize(m, DataType.FLOAT64, 17);
            TokenBatch[] b = TinyBatches.pairs(m, 3, VOCAB, 23, 3);
            double[] norms = new double[6];
            ParameterStore store = new ParameterStore(m, false);
            Gradients grads = new Gradients(separate);
            for (int r = 0; r < 6; r++) {
                TokenBatch row = (r < 3 ? b[0] : b[1]).rows(r % 3, r % 3 + 1);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    collector.backward(Scorer.score(separate, store, row, true).sums().sum());
                }
                norms[r] = Math.sqrt(GradientAlgebra.normSquared(grads.take(m)));
            }
            double eps = PreferenceStep.NORM_EPS;
            double[] sw = {norms[0] + eps, norms[1] + eps, norms[2] + eps};
            double[] sl = {norms[3] + eps, norms[4] + eps, norms[5] + eps};
            double[] refC = {-30, -28, -31};
            double[] refR = {-29, -30, -27};
            PreferenceLoss npo = Losses.create("npo", LossConfig.defaults());
            Map<String, double[]> before = snapshot64(plain);
            try (Optimizer sgd1 = Optimizer.create("sgd", 0, m); Optimizer sgd2 = Optimizer.create("sgd", 0, m);
                 NDManager step = m.newSubManager()) {
                StepOutcome perPair = new PreferenceStep(probed, new ParameterStore(m, false)).run(npo, sgd1, 1.0,
                        new PreferenceStep.Inputs(b[0], b[1], refC, refR, null, null, PreferenceStep.Scales.PER_PAIR),
                        false, false, false, step);
                StepOutcome given = new PreferenceStep(plain, new ParameterStore(m, false)).run(npo, sgd2, 1.0,
                        new PreferenceStep.Inputs(b[0], b[1], refC, refR, sw, sl), false, false, false, step);
                assertTrue(perPair.applied() && given.applied());
                assertTrue(perPair.probed(), "a per-pair npo step is a probe step");
                assertEquals(given.loss(), perPair.loss(), 1e-6, "loss with the per-pair norms");
                double[] d = updateDifference(before, snapshot64(plain), snapshot64(probed));
                double maxDiff = d[0];
                double maxDelta = d[1];
                assertTrue(maxDelta > 1e-6, "npo must move the weights");
                assertTrue(maxDiff <= 1e-5 * maxDelta, "per-pair update differs by " + maxDiff + " (largest " + maxDelta + ")");
            }
        }
    }

    /**
     * npo's batch rescaling must not flip the update: with label smoothing 0.1 and a margin far past
     * ln(0.9/0.1) every slope k_i is negative (k = 0.9*sigmoid(-u) - 0.1*sigmoid(u)), so the weight sums are
     * negative and a rescale factor would be too. The probe step then applies the loss's own gradient, the
     * same update as a plain npo step with the same scales.
     */
    @Test
    void npoBatchRescaleNeverFlipsTheUpdate() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt probed = tinyModel(m, 29);
            Gpt plain = tinyModel(m, 29);
            TokenBatch[] b = TinyBatches.pairs(m, 3, VOCAB, 31, 2);
            ParameterStore store = new ParameterStore(m, false);
            double[] lw = Scorer.scoreNoGrad(plain, store, b[0]);
            double[] ll = Scorer.scoreNoGrad(plain, store, b[1]);
            double[] refC = new double[3];
            double[] refR = new double[3];
            for (int i = 0; i < 3; i++) {
                refC[i] = lw[i] - 100; // u = 0.1 * (100 + 100) = 20 per pair
                refR[i] = ll[i] + 100;
            }
            double[] ones = {1, 1, 1};
            PreferenceLoss npo = Losses.create("npo", LossConfig.defaults().withLabelSmoothing(0.1));
            Map<String, double[]> before = snapshot64(plain);
            try (Optimizer sgd1 = Optimizer.create("sgd", 0, m); Optimizer sgd2 = Optimizer.create("sgd", 0, m);
                 NDManager step = m.newSubManager()) {
                StepOutcome batchForm = new PreferenceStep(probed, new ParameterStore(m, false)).run(npo, sgd1, 1.0,
                        new PreferenceStep.Inputs(b[0], b[1], refC, refR, ones, ones, PreferenceStep.Scales.BATCH),
                        true, false, false, step);
                StepOutcome given = new PreferenceStep(plain, new ParameterStore(m, false)).run(npo, sgd2, 1.0,
                        new PreferenceStep.Inputs(b[0], b[1], refC, refR, ones, ones), false, false, false, step);
                assertTrue(batchForm.slopeSum() < 0, "the construction needs negative slopes: " + batchForm.slopeSum());
                double[] d = updateDifference(before, snapshot64(plain), snapshot64(probed));
                double maxDiff = d[0];
                double maxDelta = d[1];
                assertTrue(maxDelta > 1e-7, "the loss must move the weights: " + maxDelta);
                assertTrue(maxDiff <= 1e-6 + 1e-5 * maxDelta, "batch-form update differs from the loss gradient by "
                        + maxDiff + " (largest " + maxDelta + ")");
                assertTrue(given.applied() && batchForm.applied());
            }
        }
    }

    /** With plain SGD and a small step the first-order prediction matches the re-scored change within 5%. */
    @Test
    void sgdPredictionMatchesMeasuredChange() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = tinyModel(m, 3);
            PreferenceLoss loss = Losses.create("sigmoid", LossConfig.defaults());
            TokenBatch[] b = TinyBatches.pairs(m, 4, VOCAB, 5, 0);
            double[] refC = Scorer.scoreNoGrad(model, new ParameterStore(m, false), b[0]);
            double[] refR = Scorer.scoreNoGrad(model, new ParameterStore(m, false), b[1]);
            try (Optimizer sgd = Optimizer.create("sgd", 0, m); NDManager step = m.newSubManager()) {
                StepOutcome o = new PreferenceStep(model, new ParameterStore(m, false)).run(loss, sgd, 0.02,
                        new PreferenceStep.Inputs(b[0], b[1], refC, refR, null, null), true, true, false, step);
                assertTrue(Math.abs(o.measuredDeltaChosen()) > 0, "measurable change");
                assertEquals(o.predictedDeltaChosen(), o.measuredDeltaChosen(), 0.05 * Math.abs(o.measuredDeltaChosen()),
                        "chosen: predicted " + o.predictedDeltaChosen() + " measured " + o.measuredDeltaChosen());
                assertEquals(o.predictedDeltaRejected(), o.measuredDeltaRejected(),
                        0.05 * Math.abs(o.measuredDeltaRejected()),
                        "rejected: predicted " + o.predictedDeltaRejected() + " measured " + o.measuredDeltaRejected());
                // For SGD the prediction is <G, -lr*(G_l - G_w)>: check against the step's own statistics.
                double ip = o.innerProduct();
                double expectedChosen = 0.02 * (o.normChosen() * o.normChosen() - ip);
                assertEquals(expectedChosen, o.predictedDeltaChosen(), 1e-4 * Math.abs(expectedChosen) + 1e-12);
            }
        }
    }

    /** With AdamW the optimizer-aware prediction <G_w, theta_after - theta_before> is within 10%. */
    @Test
    void adamPredictionMatchesMeasuredChange() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = tinyModel(m, 4);
            PreferenceLoss loss = Losses.create("sigmoid", LossConfig.defaults());
            TokenBatch[] b = TinyBatches.pairs(m, 4, VOCAB, 9, 0);
            double[] refC = Scorer.scoreNoGrad(model, new ParameterStore(m, false), b[0]);
            double[] refR = Scorer.scoreNoGrad(model, new ParameterStore(m, false), b[1]);
            try (Optimizer adam = Optimizer.create("adamw", 0, m)) {
                PreferenceStep stepper = new PreferenceStep(model, new ParameterStore(m, false));
                for (int i = 0; i < 3; i++) {
                    try (NDManager step = m.newSubManager()) {
                        StepOutcome o = stepper.run(loss, adam, 2e-5, new PreferenceStep.Inputs(b[0], b[1], refC, refR,
                                null, null), true, true, false, step);
                        assertEquals(o.predictedDeltaChosen(), o.measuredDeltaChosen(),
                                0.10 * Math.abs(o.measuredDeltaChosen()),
                                "step " + i + " chosen: predicted " + o.predictedDeltaChosen() + " measured " + o.measuredDeltaChosen());
                        assertEquals(o.predictedDeltaRejected(), o.measuredDeltaRejected(),
                                0.10 * Math.abs(o.measuredDeltaRejected()), "step " + i + " rejected");
                    }
                }
            }
        }
    }

    /** Inner product and norms are those of the two weighted gradients, recomputed here independently. */
    @Test
    void probeStatisticsAreConsistent() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = tinyModel(m, 5);
            PreferenceLoss loss = Losses.create("sigmoid", LossConfig.defaults());
            TokenBatch[] b = TinyBatches.pairs(m, 3, VOCAB, 1, 4);
            try (Optimizer sgd = Optimizer.create("sgd", 0, m); NDManager step = m.newSubManager()) {
                StepOutcome o = new PreferenceStep(model, new ParameterStore(m, false)).run(loss, sgd, 1e-3,
                        new PreferenceStep.Inputs(b[0], b[1], new double[] {-10, -10, -10}, new double[] {-10, -10, -10},
                                null, null), true, false, true, step);
                double cos = o.innerProduct() / (o.normChosen() * o.normRejected());
                assertTrue(cos > -1 && cos < 1, "cosine in (-1,1): " + cos);
                assertTrue(o.normChosen() > 0 && o.normRejected() > 0);
                assertTrue(Double.isFinite(o.ches()) && Double.isFinite(o.responseEntropy()));
                assertTrue(o.responseEntropy() > 0 && o.responseEntropy() <= Math.log(VOCAB) + 1e-6,
                        "entropy within [0, log V]: " + o.responseEntropy());
            }
        }
    }

    static double sum(NDArray a) {
        return a.sum().getFloat();
    }
}
