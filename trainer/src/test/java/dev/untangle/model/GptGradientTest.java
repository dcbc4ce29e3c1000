package dev.untangle.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

/** Autograd through the whole model equals central finite differences, in float64. */
class GptGradientTest {

    private static final int VOCAB = 50;

    /** The objective a DPO-family loss differentiates: sum_i c_i * (masked sum of response log-probs). */
    private static double objective(Gpt model, NDArray ids, NDArray mask, NDArray weights) {
        NDArray value = weightedLogProb(model, ids, mask, weights);
        double result = value.getDouble();
        value.getManager().close();
        return result;
    }

    private static NDArray weightedLogProb(Gpt model, NDArray ids, NDArray mask, NDArray weights) {
        NDManager step = ids.getManager().newSubManager();
        NDArray stepIds = ids.duplicate();
        stepIds.attach(step);
        NDList out = model.forward(new ParameterStore(step, false), new NDList(stepIds), true);
        NDArray perSequence = TokenLogProbs.sequenceSum(TokenLogProbs.ofNextTokens(out.get(0), stepIds), mask);
        NDArray value = perSequence.mul(weights).sum();
        value.attach(step);
        return value;
    }

    @Test
    void backwardMatchesCentralDifferences() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt model = new Gpt(GptConfig.preset("tiny", VOCAB).withTiedHead(false));
            model.initialize(manager, DataType.FLOAT64, 21);
            NDArray ids = manager.create(GptTest.randomIds(9, 2, 8, VOCAB));
            NDArray mask = manager.create(new double[][] {{0, 0, 1, 1, 1, 1, 0}, {0, 1, 1, 1, 1, 1, 1}});
            NDArray weights = manager.create(new double[] {0.7, -1.3});

            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray value = weightedLogProb(model, ids, mask, weights);
                collector.backward(value);
                value.getManager().close();
            }
            // name, index: a spread over every kind of tensor (q, k and v thirds of c_attn included).
            Object[][] probes = {
                {"transformer.wte.weight", new NDIndex(ids.getLong(0, 2), 5)}, // a token in the input
                {"transformer.wpe.weight", new NDIndex(2, 1)},
                {"transformer.h.0.ln_1.weight", new NDIndex(3)},
                {"transformer.h.0.ln_1.bias", new NDIndex(30)},
                {"transformer.h.0.attn.c_attn.weight", new NDIndex(4, 5)},
                {"transformer.h.0.attn.c_attn.weight", new NDIndex(4, 40)},
                {"transformer.h.1.attn.c_attn.weight", new NDIndex(1, 70)},
                {"transformer.h.1.attn.c_attn.bias", new NDIndex(75)},
                {"transformer.h.1.attn.c_proj.weight", new NDIndex(5, 6)},
                {"transformer.h.0.mlp.c_fc.bias", new NDIndex(7)},
                {"transformer.h.0.mlp.c_proj.weight", new NDIndex(100, 3)},
                {"transformer.h.1.ln_2.weight", new NDIndex(9)},
                {"transformer.ln_f.weight", new NDIndex(0)},
                {"transformer.ln_f.bias", new NDIndex(31)},
                {"lm_head.weight", new NDIndex(ids.getLong(0, 3), 2)},
            };
            double eps = 1e-5;
            int checked = 0;
            for (Object[] probe : probes) {
                String name = (String) probe[0];
                NDIndex index = (NDIndex) probe[1];
                NDArray parameter = model.parametersByName().get(name).getArray();
                NDArray gradient = parameter.getGradient();
                double analytic = gradient.get(index).getDouble();
                gradient.close();
                double original = parameter.get(index).getDouble();
                parameter.set(index, original + eps);
                double plus = objective(model, ids, mask, weights);
                parameter.set(index, original - eps);
                double minus = objective(model, ids, mask, weights);
                parameter.set(index, original);
                double numeric = (plus - minus) / (2 * eps);
                assertTrue(Math.abs(numeric) > 1e-6, name + " has a gradient to check: " + numeric);
                assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)), name);
                checked++;
            }
            assertEquals(probes.length, checked);
        }
    }
}
