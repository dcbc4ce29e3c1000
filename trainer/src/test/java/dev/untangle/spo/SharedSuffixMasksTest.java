package dev.untangle.spo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.LossConfig;
import dev.untangle.loss.SpoLoss;
import dev.untangle.model.Gpt;
import dev.untangle.model.GptConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The L1 penalty against the margin, on the constructed case of ConstructedEntanglementTest: every pair's two
 * responses are 2 different tokens followed by the same 16 tokens. Hidden states are the tiny GPT's (the head
 * sees what it sees in training); the token log-ratios log pi - log pi_ref are set by construction to the
 * situation spo is meant for: the 2 differing tokens carry the preference (+1 on the chosen side, -1 on the
 * rejected side) and each shared suffix token has the same log-ratio in both responses (drawn N(0, 0.5^2)), so
 * in the margin sum_t m_t r_t(chosen) - sum_t m_t r_t(rejected) it cancels wherever the two masks agree.
 * After N head updates the L1 term has pulled the suffix masks down while the margin kept the differing
 * tokens' masks up.
 */
class SharedSuffixMasksTest {
    private static final int VOCAB = 320;
    private static final int PROMPT = 4;
    private static final int DIFFERING = 2;
    private static final int SUFFIX = 16;
    private static final int PAIRS = 8;
    private static final int UPDATES = 150;

    @Test
    void l1PullsSharedSuffixMasksDownAndKeepsTheDifferingTokens() {
        Random random = new Random(5);
        List<EncodedPair> pairs = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            int[] suffix = tokens(random, SUFFIX);
            int[] chosen = concat(tokens(random, DIFFERING), suffix);
            int[] rejected = concat(tokens(random, DIFFERING), suffix);
            pairs.add(new EncodedPair(tokens(random, PROMPT), chosen, rejected, "constructed", i));
        }
        try (NDManager root = NDManager.newBaseManager();
             MaskHead head = new MaskHead(GptConfig.preset("tiny", VOCAB).width(), "adamw", 0.02, 0.01, root)) {
            Gpt policy = new Gpt(GptConfig.preset("tiny", VOCAB));
            policy.initialize(root, 3);
            ParameterStore parameters = new ParameterStore(root, false);
            // The batch's arrays live in their own manager, as they live in a step's manager in training; ops on
            // them allocate there.
            NDManager data = root.newSubManager();
            TokenBatch chosen = Batches.chosen(pairs, VOCAB - 1, data);
            TokenBatch rejected = Batches.rejected(pairs, VOCAB - 1, data);
            long length = chosen.inputIds().getShape().get(1);
            float[] suffixRatios = new float[PAIRS * SUFFIX];
            for (int i = 0; i < suffixRatios.length; i++) {
                suffixRatios[i] = (float) (0.5 * random.nextGaussian());
            }
            MaskHead.Batch batch = new MaskHead.Batch(
                    Scorer.scoreDetached(policy, parameters, chosen).hidden(),
                    Scorer.scoreDetached(policy, parameters, rejected).hidden(), chosen.mask(), rejected.mask(),
                    logRatios(data, length, 1f, suffixRatios), logRatios(data, length, -1f, suffixRatios),
                    chosen.tokenCounts(), rejected.tokenCounts());
            SpoLoss loss = new SpoLoss(LossConfig.defaults());

            double[] before = meanMasks(head, batch, length);
            assertEquals(0.9, before[0], 1e-6);
            assertEquals(0.9, before[1], 1e-6);
            double firstObjective = Double.NaN;
            double lastObjective = Double.NaN;
            int resourcesAfterFirst = -1;
            for (int n = 0; n < UPDATES; n++) {
                try (NDManager step = root.newSubManager()) {
                    double value = head.update(batch, loss, step).value();
                    firstObjective = n == 0 ? value : firstObjective;
                    lastObjective = value;
                }
                resourcesAfterFirst = n == 0 ? resources(root) - resources(data) : resourcesAfterFirst;
            }
            // Updates in a step's sub-manager leave nothing behind in the head's or the model's managers (the
            // optimizer state is made on the first update).
            assertEquals(resourcesAfterFirst, resources(root) - resources(data),
                    "arrays under the root, outside the batch's manager, after " + UPDATES + " updates");
            double[] after = meanMasks(head, batch, length);
            System.out.printf("shared-suffix masks after %d head updates: differing tokens %.4f, shared suffix %.4f "
                    + "(both 0.9 before); objective %.5f -> %.5f%n", UPDATES, after[0], after[1], firstObjective,
                    lastObjective);
            assertTrue(lastObjective < firstObjective, "the head's objective decreased");
            assertTrue(after[1] < 0.5, "shared suffix masks pulled down by L1: " + after[1]);
            assertTrue(after[0] > 0.9, "differing tokens kept by the margin: " + after[0]);
            assertTrue(after[0] - after[1] > 0.5, "differing " + after[0] + " vs suffix " + after[1]);
        }
    }

    /**
     * (B,T) log-ratios at the response positions of the rows prompt ++ response: {@code differing} on the first
     * 2 response tokens, the pair's suffix values after them, 0 on prompt and padding targets.
     */
    private static NDArray logRatios(NDManager m, long length, float differing, float[] suffixRatios) {
        float[] out = new float[(int) (PAIRS * length)];
        for (int i = 0; i < PAIRS; i++) {
            int first = (int) (i * length) + PROMPT - 1; // target index of the first response token
            for (int k = 0; k < DIFFERING + SUFFIX; k++) {
                out[first + k] = k < DIFFERING ? differing : suffixRatios[i * SUFFIX + k - DIFFERING];
            }
        }
        return m.create(out, new Shape(PAIRS, length));
    }

    /** {mean mask on the differing tokens, mean mask on the shared suffix}, over both responses of every pair. */
    private static double[] meanMasks(MaskHead head, MaskHead.Batch batch, long length) {
        double differing = 0;
        double suffix = 0;
        for (NDArray[] side : new NDArray[][] {{batch.hiddenChosen(), batch.responseChosen()},
            {batch.hiddenRejected(), batch.responseRejected()}}) {
            float[] masks = head.masks(side[0], side[1]).toFloatArray();
            for (int i = 0; i < PAIRS; i++) {
                int first = (int) (i * length) + PROMPT - 1;
                for (int k = 0; k < DIFFERING + SUFFIX; k++) {
                    if (k < DIFFERING) {
                        differing += masks[first + k];
                    } else {
                        suffix += masks[first + k];
                    }
                }
            }
        }
        return new double[] {differing / (2 * PAIRS * DIFFERING), suffix / (2 * PAIRS * SUFFIX)};
    }

    /** Arrays and managers under {@code manager}, counted through every sub-manager (notes/djl.md, Memory). */
    private static int resources(NDManager manager) {
        try {
            java.lang.reflect.Field field = ai.djl.ndarray.BaseNDManager.class.getDeclaredField("resources");
            field.setAccessible(true);
            int count = 0;
            for (Object resource : ((java.util.Map<?, ?>) field.get(manager)).values()) {
                count += 1 + (resource instanceof NDManager sub ? resources(sub) : 0);
            }
            return count;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int[] tokens(Random random, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 1 + random.nextInt(250);
        }
        return t;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
