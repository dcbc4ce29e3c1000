package dev.untangle.spo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.SpoLoss;
import dev.untangle.model.TokenLogProbs;

import java.util.HashMap;
import java.util.Map;

/**
 * spo with learned masks inside preference training (DESIGN.md section 1, Mitigations). The seam is the token
 * batch: before an spo step, {@link #prepare} scores the policy once more without a graph (one extra no-grad
 * forward of the chosen and of the rejected batch on every learned-mask step) for its hidden states and token
 * log-probs, evaluates the {@link MaskHead} on them, and returns batches whose mask holds m_t*responseMask as
 * constants, with the reference sums masked alike. The preference step then trains the language model on the
 * masked sums exactly as it does with fixed masks: the update and the probe's G_w, G_l are gradients of the
 * language model with m held constant. After the step, {@link #update} trains the head from the same detached
 * values (no further forward).
 *
 * <p>The masked reference sums change with the masks, so the reference model's token log-probs are cached per
 * pair (response tokens only, float32): the reference is still scored once per pair, as with fixed masks.
 */
public final class LearnedMasks {
    private final MaskHead head;
    private final Block policy;
    private final ParameterStore policyParameters;
    private final Block reference;
    private final ParameterStore referenceParameters;
    private final Map<Integer, float[][]> referenceTokens = new HashMap<>();

    /**
     * One step's masked batches (mask = m_t*responseMask), the masked reference sums sum_t m_t*log pi_ref(y_t)
     * per pair, and the detached values the head is updated from.
     */
    public record Prepared(TokenBatch chosen, TokenBatch rejected, double[] refChosen, double[] refRejected,
                           MaskHead.Batch values) {
    }

    public LearnedMasks(MaskHead head, Block policy, ParameterStore policyParameters, Block reference,
                        ParameterStore referenceParameters) {
        this.head = head;
        this.policy = policy;
        this.policyParameters = policyParameters;
        this.reference = reference;
        this.referenceParameters = referenceParameters;
    }

    /**
     * Masks for one step. {@code chosen} and {@code rejected} are the plain batches (mask = response mask, 0/1)
     * of the pairs {@code indices} (their positions in the training set, the reference cache's key).
     */
    public Prepared prepare(int[] indices, TokenBatch chosen, TokenBatch rejected, NDManager step) {
        Scorer.Scored c = Scorer.scoreDetached(policy, policyParameters, chosen);
        Scorer.Scored r = Scorer.scoreDetached(policy, policyParameters, rejected);
        c.logits().close(); // (B,T,V), the largest array, not needed past the token log-probs
        r.logits().close();
        NDArray[] referenceLogProbs = referenceTokenLogProbs(indices, chosen, rejected, step);
        NDArray maskChosen = head.masks(c.hidden(), chosen.mask()); // (B,T)
        NDArray maskRejected = head.masks(r.hidden(), rejected.mask());
        double[] refChosen = Scorer.toDoubles(TokenLogProbs.sequenceSum(referenceLogProbs[0], maskChosen));
        double[] refRejected = Scorer.toDoubles(TokenLogProbs.sequenceSum(referenceLogProbs[1], maskRejected));
        MaskHead.Batch values = new MaskHead.Batch(c.hidden(), r.hidden(), chosen.mask(), rejected.mask(),
                c.tokenLogProbs().sub(referenceLogProbs[0]).mul(chosen.mask()),
                r.tokenLogProbs().sub(referenceLogProbs[1]).mul(rejected.mask()),
                chosen.tokenCounts(), rejected.tokenCounts());
        return new Prepared(withMask(chosen, maskChosen), withMask(rejected, maskRejected), refChosen, refRejected,
                values);
    }

    /** Trains the head once on a prepared step's values (after the language model's step was applied). */
    public MaskHead.Objective update(Prepared prepared, SpoLoss loss, NDManager step) {
        return head.update(prepared.values(), loss, step);
    }

    /**
     * The mean of a batch's token mask over its response tokens, sum(mask)/sum(|y|): a fixed spo mask's share of
     * kept tokens, a learned one's mean m_t.
     */
    public static double meanResponseMask(TokenBatch batch) {
        double kept = batch.mask().sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
        double tokens = batch.tokenCounts().sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
        return tokens > 0 ? kept / tokens : Double.NaN;
    }

    private static TokenBatch withMask(TokenBatch batch, NDArray mask) {
        return new TokenBatch(batch.inputIds(), batch.targets(), mask, batch.tokenCounts());
    }

    /** Reference token log-probs (B,T) of both batches, 0 off the response; pairs not cached are scored now. */
    private NDArray[] referenceTokenLogProbs(int[] indices, TokenBatch chosen, TokenBatch rejected, NDManager step) {
        float[] chosenMask = chosen.mask().toFloatArray();
        float[] rejectedMask = rejected.mask().toFloatArray();
        boolean missing = false;
        for (int i : indices) {
            missing |= !referenceTokens.containsKey(i);
        }
        if (missing) {
            float[] c = Scorer.scoreDetached(reference, referenceParameters, chosen).tokenLogProbs().toFloatArray();
            float[] r = Scorer.scoreDetached(reference, referenceParameters, rejected).tokenLogProbs().toFloatArray();
            for (int row = 0; row < indices.length; row++) {
                if (!referenceTokens.containsKey(indices[row])) {
                    referenceTokens.put(indices[row], new float[][] {
                        responseValues(c, chosenMask, row, chosen.inputIds().getShape().get(1)),
                        responseValues(r, rejectedMask, row, rejected.inputIds().getShape().get(1))});
                }
            }
        }
        return new NDArray[] {
            layOut(indices, 0, chosenMask, chosen.inputIds().getShape(), step),
            layOut(indices, 1, rejectedMask, rejected.inputIds().getShape(), step)};
    }

    /** Row {@code row}'s values at its response positions, in order. */
    private static float[] responseValues(float[] values, float[] responseMask, int row, long length) {
        int start = (int) (row * length);
        int count = 0;
        for (int t = 0; t < length; t++) {
            count += responseMask[start + t] > 0 ? 1 : 0;
        }
        float[] out = new float[count];
        int k = 0;
        for (int t = 0; t < length; t++) {
            if (responseMask[start + t] > 0) {
                out[k++] = values[start + t];
            }
        }
        return out;
    }

    /** The cached response values of {@code side} (0 chosen, 1 rejected) placed at this batch's response positions. */
    private NDArray layOut(int[] indices, int side, float[] responseMask, Shape shape, NDManager step) {
        int length = (int) shape.get(1);
        float[] out = new float[responseMask.length];
        for (int row = 0; row < indices.length; row++) {
            float[] values = referenceTokens.get(indices[row])[side];
            int k = 0;
            for (int t = 0; t < length; t++) {
                if (responseMask[row * length + t] > 0) {
                    if (k >= values.length) {
                        throw new IllegalStateException("pair " + indices[row] + ": " + (side == 0 ? "chosen" : "rejected")
                                + " response has more tokens than its cached reference log-probs (" + values.length + ")");
                    }
                    out[row * length + t] = values[k++];
                }
            }
            if (k != values.length) {
                throw new IllegalStateException("pair " + indices[row] + ": " + (side == 0 ? "chosen" : "rejected")
                        + " response has " + k + " tokens, its cached reference log-probs " + values.length);
            }
        }
        return step.create(out, shape);
    }
}
