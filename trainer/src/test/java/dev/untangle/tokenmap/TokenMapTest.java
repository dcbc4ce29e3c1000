package dev.untangle.tokenmap;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.GradientAlgebra;
import dev.untangle.loop.Gradients;
import dev.untangle.loop.Scorer;
import dev.untangle.model.Gpt;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Full-parameter token maps: sanity on identical responses, and the sum rule ip = sum of token inner products. */
class TokenMapTest {

    @Test
    void identicalResponsesGiveASymmetricMapWithUnitDiagonal() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = HeadInnerProductTest.untiedModel(m);
            int[] response = {5, 9, 9, 21, 3};
            TokenMap map = TokenMap.of(model, new EncodedPair(new int[] {2, 8}, response, response.clone(), "t", 1), 0, 48, m);
            int n = response.length;
            double offDiagonalMax = -1;
            for (int s = 0; s < n; s++) {
                assertEquals(1.0, map.fullCosine()[s][s], 1e-9, "full diagonal " + s);
                assertEquals(1.0, map.headCosine()[s][s], 1e-9, "head diagonal " + s);
                for (int t = 0; t < n; t++) {
                    assertEquals(map.fullInner()[s][t], map.fullInner()[t][s], 1e-9 * Math.abs(map.fullInner()[s][t]) + 1e-15,
                            "symmetric [" + s + "][" + t + "]");
                    if (s != t) {
                        offDiagonalMax = Math.max(offDiagonalMax, map.fullCosine()[s][t]);
                    }
                }
            }
            // Different positions are different gradients, even for the same token id (9 at positions 1 and 2).
            assertTrue(offDiagonalMax < 0.999, "off-diagonal cosines below 1: " + offDiagonalMax);
        }
    }

    @Test
    void tokenInnerProductsSumToTheSequenceInnerProduct() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt model = HeadInnerProductTest.untiedModel(m);
            EncodedPair pair = HeadInnerProductTest.PAIRS.get(0);
            TokenMap map = TokenMap.of(model, pair, 0, 48, m);
            assertEquals(pair.chosen().length, map.chosenTokens().length, "no cap");
            ParameterStore ps = new ParameterStore(m, false);
            Gradients gradients = new Gradients(model);
            Map<String, NDArray> gw;
            Map<String, NDArray> gl;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(Scorer.score(model, ps, Batches.chosen(List.of(pair), 0, m), true).sums().sum());
                gw = gradients.take(m);
                collector.backward(Scorer.score(model, ps, Batches.rejected(List.of(pair), 0, m), true).sums().sum());
                gl = gradients.take(m);
            }
            double ip = GradientAlgebra.dot(gw, gl);
            assertEquals(ip, TokenMap.total(map.fullInner()), 1e-9 * Math.abs(ip), "ip = sum_s sum_t <g_s, g'_t>");
        }
    }
}
