package dev.untangle.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GptTest {

    private static final int VOCAB = 50;
    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    static GptConfig tiny(int vocab) {
        return GptConfig.preset("tiny", vocab);
    }

    static NDList forward(Gpt model, NDArray ids) {
        return model.forward(new ParameterStore(ids.getManager(), false), new NDList(ids), false);
    }

    static long[][] randomIds(long seed, int batch, int time, int vocab) {
        Random random = new Random(seed);
        long[][] ids = new long[batch][time];
        for (long[] row : ids) {
            for (int t = 0; t < time; t++) {
                row[t] = random.nextInt(vocab);
            }
        }
        return ids;
    }

    @Test
    void presetsHaveTheDocumentedSizes() {
        GptConfig t = GptConfig.preset("tiny", 100);
        assertEquals(new GptConfig(100, 64, 32, 2, 2, true, 1e-5f), t);
        GptConfig gpt2 = GptConfig.preset("gpt2", 50257);
        assertEquals(768, gpt2.width());
        assertEquals(12, gpt2.layers());
        assertEquals(12, gpt2.heads());
        assertEquals(1024, gpt2.contextLength());
        // GPT-2 small has 124,439,808 parameters with a tied head (the published count).
        assertEquals(124_439_808L, gpt2.parameterCount());
        assertTrue(GptConfig.presetNames().containsAll(java.util.List.of("tiny", "small", "gpt2")));
        assertThrows(IllegalArgumentException.class, () -> GptConfig.preset("huge", 10));
        assertThrows(IllegalArgumentException.class, () -> new GptConfig(10, 8, 30, 1, 4, true, 1e-5f));
    }

    @Test
    void initializationIsGpt2sAndDeterministic() {
        Gpt a = new Gpt(tiny(VOCAB).withTiedHead(false));
        a.initialize(manager, 7);
        Gpt b = new Gpt(tiny(VOCAB).withTiedHead(false));
        b.initialize(manager, 7);
        Gpt c = new Gpt(tiny(VOCAB).withTiedHead(false));
        c.initialize(manager, 8);
        long count = 0;
        for (var e : a.parametersByName().entrySet()) {
            NDArray array = e.getValue().getArray();
            assertEquals(a.expectedShape(e.getKey()), array.getShape(), e.getKey());
            assertArrayEquals(array.toFloatArray(), b.parametersByName().get(e.getKey()).getArray().toFloatArray());
            count += array.size();
        }
        assertEquals(a.config().parameterCount(), count);
        assertTrue(!a.headWeight().contentEquals(c.headWeight()), "another seed gives other weights");
        assertThrows(IllegalStateException.class, () -> a.initialize(manager, 8), "re-seeding is refused");

        var params = a.parametersByName();
        assertEquals(0.02, std(params.get("transformer.wte.weight").getArray()), 0.002);
        assertEquals(0.02, std(params.get("transformer.h.0.attn.c_attn.weight").getArray()), 0.002);
        // Residual projections: 0.02 / sqrt(2 * layers) = 0.01 for two layers.
        assertEquals(0.01, std(params.get("transformer.h.1.mlp.c_proj.weight").getArray()), 0.001);
        assertEquals(0.01, std(params.get("transformer.h.1.attn.c_proj.weight").getArray()), 0.001);
        assertEquals(0f, params.get("transformer.h.0.mlp.c_fc.bias").getArray().abs().max().getFloat());
        assertEquals(1f, params.get("transformer.ln_f.weight").getArray().min().getFloat());
        assertEquals(1f, params.get("transformer.ln_f.weight").getArray().max().getFloat());
        assertEquals(new Shape(32, 96), params.get("transformer.h.0.attn.c_attn.weight").getShape());
        assertEquals(new Shape(128, 32), params.get("transformer.h.0.mlp.c_proj.weight").getShape());
    }

    @Test
    void outputsAreLogitsAndTheHeadsInput() {
        Gpt model = new Gpt(tiny(VOCAB));
        model.initialize(manager, 1);
        NDArray ids = manager.create(randomIds(3, 2, 10, VOCAB));
        NDList out = forward(model, ids);
        assertEquals(new Shape(2, 10, VOCAB), out.get(0).getShape());
        assertEquals(new Shape(2, 10, 32), out.get(1).getShape());
        assertEquals(DataType.FLOAT32, out.get(0).getDataType());
        // hidden is the final LayerNorm output (ln_f weight 1, bias 0 at init: zero mean, unit variance)...
        NDArray hidden = out.get(1);
        assertEquals(0.0, hidden.mean(new int[] {2}).abs().max().getFloat(), 1e-5);
        // ...and the head's input: logits = hidden W^T with the tied embedding.
        NDArray recomputed = hidden.matMul(model.headWeight().transpose());
        assertTrue(recomputed.allClose(out.get(0), 1e-5, 1e-6, false));
        assertThrows(IllegalArgumentException.class,
                () -> forward(model, manager.create(randomIds(3, 1, 65, VOCAB))));
    }

    @Test
    void zeroWeightsGiveTheUniformDistribution() {
        // With every weight and bias zero the residual stream is zero, LayerNorm returns its bias (0), and
        // the logits are 0: every token has log p = -log V, a value anyone can check.
        Gpt model = new Gpt(tiny(VOCAB));
        model.initialize(manager, 1);
        for (Parameter p : model.parametersByName().values()) {
            p.getArray().subi(p.getArray());
        }
        NDArray ids = manager.create(randomIds(4, 2, 6, VOCAB));
        NDArray logits = forward(model, ids).get(0);
        NDArray tokenLogProbs = TokenLogProbs.ofNextTokens(logits, ids);
        NDArray mask = manager.create(new float[][] {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}});
        float[] sums = TokenLogProbs.sequenceSum(tokenLogProbs, mask).toFloatArray();
        assertEquals(-3 * Math.log(VOCAB), sums[0], 1e-5);
        assertEquals(-5 * Math.log(VOCAB), sums[1], 1e-5);
    }

    @Test
    void sequenceLogProbEqualsHandComputation() {
        Gpt model = new Gpt(tiny(VOCAB));
        model.initialize(manager, DataType.FLOAT64, 11);
        // Large weights make the distribution far from uniform so a wrong index would show.
        model.headWeight().muli(50);
        long[][] idsJava = randomIds(5, 3, 12, VOCAB);
        NDArray ids = manager.create(idsJava);
        NDArray logits = forward(model, ids).get(0);
        assertEquals(DataType.FLOAT64, logits.getDataType());
        double[] flat = logits.toDoubleArray();
        float[][] mask = new float[3][11];
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < 11; t++) {
                mask[b][t] = (t >= 2 + b && t < 9) ? 1 : 0; // a prompt of 2+b tokens, 2 padding tokens
            }
        }
        double[] expected = new double[3];
        for (int b = 0; b < 3; b++) {
            for (int t = 0; t < 11; t++) {
                int offset = (b * 12 + t) * VOCAB;
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < VOCAB; v++) {
                    max = Math.max(max, flat[offset + v]);
                }
                double sumExp = 0;
                for (int v = 0; v < VOCAB; v++) {
                    sumExp += Math.exp(flat[offset + v] - max);
                }
                double logProb = flat[offset + (int) idsJava[b][t + 1]] - max - Math.log(sumExp);
                expected[b] += mask[b][t] * logProb;
            }
        }
        NDArray tokenLogProbs = TokenLogProbs.ofNextTokens(logits, ids);
        assertEquals(new Shape(3, 11), tokenLogProbs.getShape());
        double[] actual = TokenLogProbs.sequenceSum(tokenLogProbs, manager.create(mask)).toDoubleArray();
        for (int b = 0; b < 3; b++) {
            assertEquals(expected[b], actual[b], 1e-6);
        }
        assertTrue(expected[0] < -20, "not a near-uniform distribution: " + expected[0]);
    }

    @Test
    void changingLaterTokensLeavesEarlierLogitsUnchanged() {
        Gpt model = new Gpt(tiny(VOCAB));
        model.initialize(manager, 2);
        long[][] a = randomIds(6, 2, 20, VOCAB);
        long[][] b = new long[2][];
        for (int i = 0; i < 2; i++) {
            b[i] = a[i].clone();
            for (int t = 8; t < 20; t++) {
                b[i][t] = (a[i][t] + 1 + t) % VOCAB;
            }
        }
        NDArray logitsA = forward(model, manager.create(a)).get(0);
        NDArray logitsB = forward(model, manager.create(b)).get(0);
        NDIndex prefix = new NDIndex(":, :8, :");
        NDIndex suffix = new NDIndex(":, 8:, :");
        assertEquals(0f, logitsA.get(prefix).sub(logitsB.get(prefix)).abs().max().getFloat(), 1e-6f);
        assertTrue(logitsA.get(suffix).sub(logitsB.get(suffix)).abs().max().getFloat() > 1e-3f,
                "later positions do see the change");
    }

    @Test
    void rightPaddingDoesNotChangeTheRealTokens() {
        Gpt model = new Gpt(tiny(VOCAB));
        model.initialize(manager, 3);
        long[] sequence = randomIds(7, 1, 9, VOCAB)[0];
        long pad = VOCAB - 1;
        long[][] padded = new long[2][30];
        java.util.Arrays.fill(padded[0], pad);
        System.arraycopy(sequence, 0, padded[0], 0, sequence.length);
        padded[1] = randomIds(8, 1, 30, VOCAB)[0]; // a longer neighbour in the batch
        NDArray alone = manager.create(new long[][] {sequence});
        NDArray logitsAlone = forward(model, alone).get(0);
        NDArray logitsPadded = forward(model, manager.create(padded)).get(0).get(new NDIndex("0:1, :9, :"));
        assertTrue(logitsAlone.allClose(logitsPadded, 1e-5, 1e-5, false));

        float[] maskAlone = new float[8];
        java.util.Arrays.fill(maskAlone, 3, 8, 1f);
        float[][] maskPadded = new float[1][29];
        System.arraycopy(maskAlone, 0, maskPadded[0], 0, 8);
        float sumAlone = TokenLogProbs.sequenceSum(TokenLogProbs.ofNextTokens(logitsAlone, alone),
                manager.create(maskAlone).reshape(1, 8)).getFloat(0);
        NDArray fullLogits = forward(model, manager.create(padded)).get(0).get(new NDIndex("0:1"));
        float sumPadded = TokenLogProbs.sequenceSum(TokenLogProbs.ofNextTokens(fullLogits,
                manager.create(padded).get(new NDIndex("0:1"))), manager.create(maskPadded)).getFloat(0);
        assertEquals(sumAlone, sumPadded, 1e-5);
    }

    private static double std(NDArray array) {
        double[] values = array.toType(DataType.FLOAT64, false).toDoubleArray();
        double mean = java.util.Arrays.stream(values).average().orElse(0);
        return Math.sqrt(java.util.Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length);
    }
}
