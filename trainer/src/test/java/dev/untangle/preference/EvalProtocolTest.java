package dev.untangle.preference;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.GradientAlgebra;
import dev.untangle.loop.Gradients;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.LossConfig;
import dev.untangle.loss.Losses;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import dev.untangle.tokenizer.TextTokenizer;
import dev.untangle.wire.EvalEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eval protocol's per-pair numbers (one grouped pass per pair) against the definition computed here
 * the long way: per pair a plain forward and backward of lw alone and of ll alone, inner products of the
 * two gradients tensor by tensor (float64 model). The policy's parameters must not move.
 */
class EvalProtocolTest {
    private static final int VOCAB = 50;

    @Test
    void perPairGradientStatisticsMatchSeparateBackwardPasses() {
        try (NDManager m = NDManager.newBaseManager()) {
            Gpt policy = new Gpt(GptConfig.preset("tiny", VOCAB));
            policy.initialize(m, DataType.FLOAT64, 31);
            Gpt reference = new Gpt(GptConfig.preset("tiny", VOCAB));
            reference.initialize(m, DataType.FLOAT64, 32);
            reference.freezeParameters(true);
            List<EncodedPair> pairs = List.of(
                    new EncodedPair(new int[] {3, 4, 5}, new int[] {6, 7, 8, 9}, new int[] {10, 7, 8}, "t", 1),
                    new EncodedPair(new int[] {11, 12}, new int[] {13, 14}, new int[] {15, 16, 17, 18, 19}, "t", 2));
            TextTokenizer tokenizer = new TextTokenizer() {
                public int[] encode(String text) {
                    throw new UnsupportedOperationException();
                }

                public String decode(int[] ids) {
                    throw new UnsupportedOperationException();
                }

                public int vocabSize() {
                    return VOCAB;
                }

                public int endOfTextId() {
                    return 0;
                }
            };
            double before = policy.parametersByName().get("transformer.h.0.attn.c_attn.weight").getArray().sum()
                    .getDouble();
            EvalEvent e = new EvalProtocol(policy, reference, new ParameterStore(m, false), tokenizer, m)
                    .run("r", 5, Losses.create("sigmoid", LossConfig.defaults()), pairs);

            ParameterStore store = new ParameterStore(m, false);
            Gradients gradients = new Gradients(policy);
            double sumIp = 0;
            double sumNw = 0;
            double sumNl = 0;
            double sumCos = 0;
            double sumLw = 0;
            double sumLl = 0;
            for (EncodedPair pair : pairs) {
                TokenBatch c = Batches.chosen(List.of(pair), 0, m);
                TokenBatch r = Batches.rejected(List.of(pair), 0, m);
                double[] lw = new double[1];
                Map<String, NDArray> gw = gradientOf(policy, store, gradients, c, lw, m);
                double[] ll = new double[1];
                Map<String, NDArray> gl = gradientOf(policy, store, gradients, r, ll, m);
                double ip = GradientAlgebra.dot(gw, gl);
                double nw = Math.sqrt(GradientAlgebra.normSquared(gw));
                double nl = Math.sqrt(GradientAlgebra.normSquared(gl));
                sumIp += ip;
                sumNw += nw;
                sumNl += nl;
                sumCos += ip / (nw * nl);
                sumLw += lw[0];
                sumLl += ll[0];
            }
            assertEquals(2, e.pairs());
            assertEquals(sumLw / 2, e.logpsChosen(), 1e-9 * Math.abs(sumLw));
            assertEquals(sumLl / 2, e.logpsRejected(), 1e-9 * Math.abs(sumLl));
            assertEquals(sumIp / 2, e.meanInnerProduct(), 1e-9 * Math.abs(sumIp));
            assertEquals(sumNw / 2, e.meanNormChosen(), 1e-9 * sumNw);
            assertEquals(sumNl / 2, e.meanNormRejected(), 1e-9 * sumNl);
            assertEquals(sumCos / 2, e.meanCosine(), 1e-9);
            assertEquals(1.0, e.fractionIdeal() + e.fractionBothDown() + e.fractionBothUp() + e.fractionUndefined(), 1e-12);
            double after = policy.parametersByName().get("transformer.h.0.attn.c_attn.weight").getArray().sum()
                    .getDouble();
            assertEquals(before, after, 0.0, "the eval protocol must not change the policy");
            assertTrue(Math.abs(sumCos) > 1e-3, "non-trivial cosines: " + sumCos);
        }
    }

    private static Map<String, NDArray> gradientOf(Gpt model, ParameterStore store, Gradients gradients, TokenBatch rows,
                                                   double[] sum, NDManager m) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Scorer.Scored s = Scorer.score(model, store, rows, true);
            sum[0] = Scorer.toDoubles(s.sums())[0];
            collector.backward(s.sums().sum());
        }
        return gradients.take(m);
    }
}
