package dev.untangle.loss;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * Sparse token-masked preference optimization. The paper names the mitigation; this is the construction that
 * follows from its conditions (DESIGN.md section 1, Mitigations): the margin uses only the tokens that carry
 * the preference, lw_m = sum_t m_t*log pi(y_w,t|...), masks m in [0,1]. The trainer supplies the masked
 * log-probs (policy and reference, masked alike) in {@link PairLogProbs}; the loss on them is the sigmoid loss,
 * so the coefficients are those of {@link SigmoidLoss} with respect to the masked log-probs. Masks are fixed
 * (SequenceBatch.sharedTokenMasks) or learned ({@link dev.untangle.spo.MaskHead}, whose objective adds
 * {@link #maskPenalty}); either way they are constants for the language model.
 */
public final class SpoLoss implements PreferenceLoss {
    private final double beta;
    private final double labelSmoothing;

    public SpoLoss(LossConfig config) {
        this.beta = config.beta();
        this.labelSmoothing = config.labelSmoothing();
    }

    @Override
    public String type() {
        return "spo";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public double beta() {
        return beta;
    }

    @Override
    public LossOutput compute(PairLogProbs batch) {
        return SigmoidLoss.sigmoidOnLogRatios(type(), batch, beta, labelSmoothing);
    }

    /**
     * The L1 mask penalty lambda_s*(|m_w|_1 + |m_l|_1) averaged over the batch: masks of shape (B, T) (padding
     * positions 0), result a scalar in the masks' graph so a learned mask head is trained by it.
     */
    public static NDArray maskPenalty(NDArray chosenMask, NDArray rejectedMask, double lambdaS) {
        if (chosenMask.getShape().dimension() != 2 || rejectedMask.getShape().dimension() != 2
                || chosenMask.getShape().get(0) != rejectedMask.getShape().get(0)) {
            throw new IllegalArgumentException("SpoLoss.maskPenalty: masks must have shapes (B, T_w) and (B, T_l) "
                    + "with the same B, got " + chosenMask.getShape() + " and " + rejectedMask.getShape());
        }
        long size = chosenMask.getShape().get(0);
        return Scalars.times(chosenMask.abs().sum().add(rejectedMask.abs().sum()), lambdaS / size);
    }
}
