package dev.untangle.tokenmap;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Gradients;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The head-only closed form (DESIGN.md section 1) against autograd restricted to lm_head.weight on an
 * UNTIED tiny model in float64, where it must be exact: for a weighted batch and token by token.
 */
class HeadInnerProductTest {
    static final int VOCAB = 40;
    static final List<EncodedPair> PAIRS = List.of(
            new EncodedPair(new int[] {3, 7, 9}, new int[] {5, 6, 2, 11}, new int[] {5, 8, 2}, "t", 1),
            new EncodedPair(new int[] {1, 4}, new int[] {12, 13, 14, 15, 16}, new int[] {17, 13, 19}, "t", 2),
            new EncodedPair(new int[] {30, 31, 32, 33, 34}, new int[] {20}, new int[] {21, 22}, "t", 3));

    static Gpt untiedModel(NDManager m) {
        Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB).withTiedHead(false));
        model.initialize(m, DataType.FLOAT64, 5);
        return model;
    }

    static double dot(NDArray a, NDArray b) {
        return a.toType(DataType.FLOAT64, true).mul(b.toType(DataType.FLOAT64, true)).sum().getDouble();
    }

    @Test
    void batchClosedFormEqualsAutogradOfTheUntiedHead() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = untiedModel(m);
            String head = model.headParameter().getName();
            assertEquals("lm_head.weight", head);
            ParameterStore ps = new ParameterStore(m, false);
            Gradients gradients = new Gradients(model);
            TokenBatch cb = Batches.chosen(PAIRS, 0, m);
            TokenBatch rb = Batches.rejected(PAIRS, 0, m);
            double[] a = {0.3, 1.2, -0.7};
            double[] b = {0.5, 0.9, 2.0};
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Scorer.Scored sc = Scorer.score(model, ps, cb, true);
                collector.backward(sc.sums().mul(m.create(a)).sum());
                Map<String, NDArray> gw = gradients.take(m);
                Scorer.Scored sr = Scorer.score(model, ps, rb, true);
                collector.backward(sr.sums().mul(m.create(b)).sum());
                Map<String, NDArray> gl = gradients.take(m);
                double autograd = dot(gw.get(head), gl.get(head));
                double closed = HeadInnerProduct.of(sc, cb, a, sr, rb, b);
                assertTrue(Math.abs(autograd) > 1e-6, "a non-trivial inner product: " + autograd);
                assertEquals(autograd, closed, 1e-6 * Math.abs(autograd), "head inner product");
                // The closed form is the head's part only: the whole-model inner product is a different number.
                double whole = dev.untangle.loop.GradientAlgebra.dot(gw, gl);
                assertTrue(Math.abs(whole - closed) > 1e-3 * Math.abs(whole), "whole " + whole + " head " + closed);
            }
        }
    }

    @Test
    void tokenMatrixEqualsPerTokenAutogradOfTheUntiedHead() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = untiedModel(m);
            EncodedPair pair = PAIRS.get(1);
            TokenMap map = TokenMap.of(model, pair, 0, 3, m);
            assertEquals(3, map.chosenTokens().length, "capped at 3 of 5 chosen tokens");
            assertEquals(3, map.rejectedTokens().length);
            NDArray[] chosen = headTokenGradients(model, Batches.chosen(List.of(pair), 0, m), pair.prompt().length - 1, 3, m);
            NDArray[] rejected = headTokenGradients(model, Batches.rejected(List.of(pair), 0, m), pair.prompt().length - 1, 3, m);
            for (int s = 0; s < 3; s++) {
                for (int t = 0; t < 3; t++) {
                    double autograd = dot(chosen[s], rejected[t]);
                    assertEquals(autograd, map.headInner()[s][t], 1e-6 * Math.abs(autograd) + 1e-12, "head [" + s + "][" + t + "]");
                    double cosine = autograd / Math.sqrt(dot(chosen[s], chosen[s]) * dot(rejected[t], rejected[t]));
                    assertEquals(cosine, map.headCosine()[s][t], 1e-6, "head cosine [" + s + "][" + t + "]");
                }
            }
            // Token 1 of both responses is the same id (13) at the same position after different first tokens:
            // the closed form's 1[a=b] term makes that cell the largest of its row.
            assertEquals(13, map.chosenTokens()[1]);
            assertEquals(13, map.rejectedTokens()[1]);
            assertTrue(map.headCosine()[1][1] > map.headCosine()[1][0] && map.headCosine()[1][1] > map.headCosine()[1][2]);
        }
    }

    /** Gradient of lm_head.weight of log p(response token k), k = 0..n-1, one backward each. */
    private static NDArray[] headTokenGradients(Gpt model, TokenBatch batch, int first, int n, NDManager m) {
        ParameterStore ps = new ParameterStore(m, false);
        Gradients gradients = new Gradients(model);
        NDArray[] out = new NDArray[n];
        for (int k = 0; k < n; k++) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                Scorer.Scored s = Scorer.score(model, ps, batch, true);
                collector.backward(s.tokenLogProbs().get(new NDIndex(0, first + k)));
                out[k] = gradients.take(m).get("lm_head.weight");
            }
        }
        return out;
    }
}
