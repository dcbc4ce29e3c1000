package dev.untangle.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The Java model against an independent numpy implementation of GPT-2 (src/test/python/gpt2_reference.py),
 * on weights that both read from the same safetensors file. This pins the GPT-2 semantics the unit tests
 * cannot see (q/k/v order in c_attn, Conv1D orientation, tanh GELU, LayerNorm over the last axis, the
 * 1/sqrt(head dim) scale), which is what a user's real GPT-2 checkpoint needs.
 *
 * <p>To regenerate: run with -Duntangle.golden.dir=/tmp/g to write the checkpoint, then
 * {@code python3 trainer/src/test/python/gpt2_reference.py /tmp/g 3,17,42,8,8,29,1,33 0,3,7 0,1,2,39}.
 */
class GptGoldenTest {

    private static final long[] IDS = {3, 17, 42, 8, 8, 29, 1, 33};
    private static final int[] POSITIONS = {0, 3, 7};
    private static final int[] ENTRIES = {0, 1, 2, 39};

    @Test
    void logitsMatchIndependentNumpyGpt2() throws IOException {
        double[][] expected = NUMPY_LOGITS;
        // float32 in Java against float64 in numpy: agreement measured at 3e-6.
        try (NDManager manager = NDManager.newBaseManager()) {
            Gpt model = new Gpt(new GptConfig(48, 16, 24, 2, 3, false, 1e-5f));
            model.initialize(manager, 12345);
            // Larger weights than GPT-2's init so attention is far from uniform and every sub-layer matters.
            model.parametersByName().forEach((name, p) -> {
                if (!name.contains("ln_")) {
                    p.getArray().muli(20);
                }
            });
            String dir = System.getProperty("untangle.golden.dir");
            if (dir != null) {
                GptWeights.save(model, Path.of(dir));
            }
            NDArray logits = GptTest.forward(model, manager.create(new long[][] {IDS})).get(0);
            for (int i = 0; i < POSITIONS.length; i++) {
                for (int j = 0; j < ENTRIES.length; j++) {
                    float actual = logits.getFloat(0, POSITIONS[i], ENTRIES[j]);
                    assertEquals(expected[i][j], actual, 2e-5,
                            "logit at position " + POSITIONS[i] + " token " + ENTRIES[j]);
                }
            }
        }
    }

    /** Output of gpt2_reference.py (float64 numpy) on the checkpoint this test writes. */
    private static final double[][] NUMPY_LOGITS = {
        {-1.744732493, 2.314820678, 1.270498924, 1.365828793},
        {-0.376658024, 0.653258947, 1.296918320, 0.085947183},
        {0.985585647, -1.469838391, 2.111729737, 2.363158489},
    };
}
