package dev.untangle.probe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.loop.GradientAlgebra;
import dev.untangle.loop.Gradients;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probe's single pass: Gpt#forwardGrouped computes the same function as the plain forward, and one
 * backward through per-group parameter copies gives each group's gradient exactly as a separate autograd
 * pass over that group's rows alone would (float64 models, tied and untied heads). GroupGradients' float64
 * Gram entries equal inner products computed tensor by tensor.
 */
class GroupedForwardTest {
    private static final int VOCAB = 40;

    private static Gpt model(NDManager m, boolean tied) {
        Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB).withTiedHead(tied));
        model.initialize(m, DataType.FLOAT64, 13);
        return model;
    }

    @Test
    void groupedLogitsEqualThePlainForward() {
        for (boolean tied : new boolean[] {true, false}) {
            for (int groups : new int[] {1, 2, 4}) {
                try (NDManager m = NDManager.newBaseManager()) {
                    Gpt model = model(m, tied);
                    TokenBatch[] b = TinyBatches.pairs(m, 2, VOCAB, 3, 2);
                    TokenBatch both = TokenBatch.concat(b[0], b[1]);
                    NDList plain = model.forward(new ParameterStore(m, false), new NDList(both.inputIds()), false);
                    NDList grouped = model.forwardGrouped(model.groupedLeaves(m, groups), both.inputIds());
                    double logitsError = maxAbs(plain.get(0).sub(grouped.get(0)));
                    double hiddenError = maxAbs(plain.get(1).sub(grouped.get(1)));
                    assertTrue(logitsError < 1e-12, "tied " + tied + ", " + groups + " groups: logits differ by " + logitsError);
                    assertTrue(hiddenError < 1e-12, "tied " + tied + ", " + groups + " groups: hidden differ by " + hiddenError);
                }
            }
        }
    }

    @Test
    void oneBackwardGivesEachGroupsOwnGradient() {
        for (boolean tied : new boolean[] {true, false}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Gpt model = model(m, tied);
                ParameterStore store = new ParameterStore(m, false);
                TokenBatch[] b = TinyBatches.pairs(m, 3, VOCAB, 9, 3);
                TokenBatch both = TokenBatch.concat(b[0], b[1]);
                double[] weights = {0.3, 0.9, 0.5, 0.7, 0.2, 1.1}; // a_1..a_3 (chosen), b_1..b_3 (rejected)

                Map<String, NDArray> leaves = model.groupedLeaves(m, 2);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    Scorer.Scored s = Scorer.scoreGrouped(model, leaves, both);
                    collector.backward(s.sums().mul(m.create(weights)).sum());
                }
                GroupGradients pair = GroupGradients.of(leaves);
                double[] w = {1, 0};
                double[] l = {0, 1};

                Gradients gradients = new Gradients(model);
                Map<String, NDArray> chosen = separate(model, store, gradients, both.rows(0, 3), new double[] {0.3, 0.9, 0.5}, m);
                Map<String, NDArray> rejected = separate(model, store, gradients, both.rows(3, 6), new double[] {0.7, 0.2, 1.1}, m);
                Map<String, NDArray> groupChosen = new LinkedHashMap<>();
                Map<String, NDArray> groupRejected = new LinkedHashMap<>();
                leaves.forEach((name, copies) -> {
                    groupChosen.put(name, copies.getGradient().get(0));
                    groupRejected.put(name, copies.getGradient().get(1));
                });
                for (String name : chosen.keySet()) {
                    assertClose(chosen.get(name), groupChosen.get(name), "tied " + tied + " G_w " + name);
                    assertClose(rejected.get(name), groupRejected.get(name), "tied " + tied + " G_l " + name);
                }
                double ww = GradientAlgebra.dot(chosen, chosen);
                double wl = GradientAlgebra.dot(chosen, rejected);
                double ll = GradientAlgebra.dot(rejected, rejected);
                assertTrue(ww > 0 && ll > 0 && wl != 0, "non-trivial gradients: " + ww + " " + wl + " " + ll);
                assertEquals(ww, pair.quadratic(w, w), 1e-10 * ww);
                assertEquals(wl, pair.quadratic(w, l), 1e-10 * Math.abs(wl));
                assertEquals(ll, pair.quadratic(l, l), 1e-10 * ll);
                // The prediction dot with an arbitrary change: here d = G_w itself.
                double[] dots = pair.dot(chosen);
                assertEquals(ww, dots[0], 1e-10 * ww);
                assertEquals(wl, dots[1], 1e-10 * Math.abs(wl));
                // The update G_l - G_w as one combination of the two copies.
                Map<String, NDArray> update = pair.combine(new double[] {-1, 1});
                for (String name : chosen.keySet()) {
                    assertClose(rejected.get(name).sub(chosen.get(name)), update.get(name), "tied " + tied + " update " + name);
                }
                pair.close();
            }
        }
    }

    /** The weighted gradient of rows alone, by a plain forward and backward on the model's own parameters. */
    private static Map<String, NDArray> separate(Gpt model, ParameterStore store, Gradients gradients, TokenBatch rows,
                                                 double[] weights, NDManager m) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Scorer.Scored s = Scorer.score(model, store, rows, true);
            collector.backward(s.sums().mul(m.create(weights)).sum());
        }
        return gradients.take(m);
    }

    private static void assertClose(NDArray expected, NDArray actual, String what) {
        double scale = Math.max(maxAbs(expected), 1e-30);
        double error = maxAbs(expected.sub(actual));
        assertTrue(error <= 1e-10 * scale, what + ": max error " + error + " at scale " + scale);
    }

    private static double maxAbs(NDArray a) {
        return a.abs().max().toType(DataType.FLOAT64, false).getDouble();
    }

}
