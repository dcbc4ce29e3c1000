package dev.untangle.probe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.GradientCollector;
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
import dev.untangle.model.TokenLogProbs;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe's grouped forward against the model itself: same logits, and the group-0 / group-1 gradients
 * of ONE backward equal the gradients of sum(a_i*lw_i) and sum(b_i*ll_i) taken by separate forwards and
 * backwards through Gpt (DESIGN.md section 1, batch form), for a tied and an untied head.
 */
class GroupedForwardTest {
    private static final int VOCAB = 48;
    private static final double[] A = {0.7, -0.2, 1.3};
    private static final double[] B = {0.4, 0.9, -0.6};

    @Test
    void logitsMatchTheModel() {
        try (NDManager m = NDManager.newBaseManager(); NDManager step = m.newSubManager()) {
            Gpt model = model(m, true);
            TokenBatch[] b = TinyBatches.pairs(step, 3, VOCAB, 3, 2);
            GroupedForward grouped = new GroupedForward(model.config(), model.parametersByName());
            TokenBatch both = PreferenceStep.stacked(b[0], b[1]);
            NDArray logits = grouped.forward(grouped.leaves(step), both.inputIds()).get(0);
            ParameterStore ps = new ParameterStore(m, false);
            for (int side = 0; side < 2; side++) {
                NDArray expected = model.forward(ps, new NDList(b[side].inputIds()), false).get(0);
                long length = b[side].inputIds().getShape().get(1);
                NDArray got = logits.get(new NDIndex("{}:{}, :{}, :", 3 * side, 3 * side + 3, length));
                float diff = got.sub(expected).abs().max().getFloat();
                assertTrue(diff < 1e-5, "side " + side + ": max |logit difference| " + diff);
            }
        }
    }

    @Test
    void oneBackwardSplitsIntoTheTwoWeightedGradients() {
        for (boolean tied : new boolean[] {true, false}) {
            try (NDManager m = NDManager.newBaseManager(); NDManager step = m.newSubManager()) {
                Gpt model = model(m, tied);
                TokenBatch[] b = TinyBatches.pairs(step, 3, VOCAB, 9, 3);
                GroupedForward grouped = new GroupedForward(model.config(), model.parametersByName());
                Map<String, NDArray> leaves = grouped.leaves(step);
                TokenBatch both = PreferenceStep.stacked(b[0], b[1]);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray sums = TokenLogProbs.sequenceSum(
                            TokenLogProbs.of(grouped.forward(leaves, both.inputIds()).get(0), both.targets()), both.mask());
                    float[] weights = {(float) A[0], (float) A[1], (float) A[2], (float) B[0], (float) B[1], (float) B[2]};
                    collector.backward(sums.mul(step.create(weights)).sum());
                }
                Map<String, NDArray>[] split = GroupedForward.gradients(leaves, step);

                ParameterStore ps = new ParameterStore(m, false);
                Gradients gradients = new Gradients(model);
                Map<String, NDArray> chosen;
                Map<String, NDArray> rejected;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray lw = Scorer.score(model, ps, b[0], true).sums();
                    collector.backward(lw.mul(step.create(PreferenceStep.toFloats(A))).sum());
                    chosen = gradients.take(step);
                    NDArray ll = Scorer.score(model, ps, b[1], true).sums();
                    collector.backward(ll.mul(step.create(PreferenceStep.toFloats(B))).sum());
                    rejected = gradients.take(step);
                }
                assertEquals(chosen.keySet(), split[0].keySet());
                assertClose(chosen, split[0], "tied " + tied + " G_w");
                assertClose(rejected, split[1], "tied " + tied + " G_l");
            }
        }
    }

    /** The extras (CHES, entropy) from the grouped rows equal those from separate forwards. */
    @Test
    void extrasAgreeWithSeparateForwards() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt grouped = model(m, true);
            Gpt separate = model(m, true);
            PreferenceLoss loss = Losses.create("sigmoid", LossConfig.defaults());
            TokenBatch[] b = TinyBatches.pairs(m, 3, VOCAB, 4, 2);
            PreferenceStep.Inputs in = new PreferenceStep.Inputs(b[0], b[1], new double[] {-10, -11, -12},
                    new double[] {-10, -10, -10}, null, null);
            try (Optimizer sgd1 = Optimizer.create("sgd", 0, m); Optimizer sgd2 = Optimizer.create("sgd", 0, m);
                 NDManager step = m.newSubManager()) {
                StepOutcome probe = new PreferenceStep(grouped, new ParameterStore(m, false))
                        .run(loss, sgd1, 1e-3, in, true, false, true, step);
                StepOutcome plain = new PreferenceStep(separate, new ParameterStore(m, false))
                        .run(loss, sgd2, 1e-3, in, false, false, true, step);
                assertEquals(plain.ches(), probe.ches(), 1e-5 * Math.abs(plain.ches()) + 1e-6, "CHES");
                assertEquals(plain.responseEntropy(), probe.responseEntropy(), 1e-5, "entropy");
                assertEquals(plain.loss(), probe.loss(), 1e-6, "loss");
            }
        }
    }

    private static Gpt model(NDManager m, boolean tied) {
        Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB).withTiedHead(tied));
        model.initialize(m, 21);
        return model;
    }

    private static void assertClose(Map<String, NDArray> expected, Map<String, NDArray> actual, String what) {
        for (Map.Entry<String, NDArray> e : expected.entrySet()) {
            NDArray want = e.getValue();
            float scale = want.abs().max().getFloat();
            float diff = actual.get(e.getKey()).sub(want).abs().max().getFloat();
            assertTrue(diff <= 1e-6 + 1e-5 * scale, what + " " + e.getKey() + ": max diff " + diff + " (scale " + scale + ")");
            assertTrue(scale > 0 || e.getKey().contains("wpe"), what + " " + e.getKey() + " has a zero gradient");
        }
    }
}
