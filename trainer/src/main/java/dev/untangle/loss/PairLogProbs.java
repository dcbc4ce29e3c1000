package dev.untangle.loss;

import ai.djl.ndarray.NDArray;

/**
 * Per-pair inputs of a margin loss, each of shape (B). {@code chosen}/{@code rejected} are summed
 * response log-probs of the policy (carry the autograd graph when training); the reference ones are
 * constants and null for reference-free losses; token counts are |y| as floats (>= 1).
 * {@code chosenScale}/{@code rejectedScale} are stop-gradient positive scales (gradient norms) used by
 * the normalized loss (npo); null means 1.
 */
public record PairLogProbs(
        NDArray chosen,
        NDArray rejected,
        NDArray refChosen,
        NDArray refRejected,
        NDArray chosenTokens,
        NDArray rejectedTokens,
        NDArray chosenScale,
        NDArray rejectedScale) {

    public int batchSize() {
        return (int) chosen.getShape().get(0);
    }
}
