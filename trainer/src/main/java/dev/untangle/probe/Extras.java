package dev.untangle.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.tokenmap.HeadInnerProduct;

/**
 * Cheap per-batch diagnostics from forward values only (DESIGN.md section 1, related diagnostics).
 * All run on detached values, never on the graph.
 */
final class Extras {
    private Extras() {
    }

    /**
     * Head part of the probe's inner product, &lt;M_w, M_l&gt; with M_w = sum_i a_i sum_t mask*(onehot(target) -
     * softmax(logits))_t h_t^T (V,d) and M_l likewise with b_i (DESIGN.md section 1, "Why the inner product is
     * large"), in float64 from the forward values alone: how much of {@code grad_inner_product} the output
     * layer carries. {@code chosenWeights}/{@code rejectedWeights} are the weights a_i, b_i that built G_w and
     * G_l. The math and the choice between the two equal forms (head gradients A^T H, or the Gram form
     * sum((A_w A_l^T) .* (H_w H_l^T)), whichever needs fewer multiply-adds) are in {@link HeadInnerProduct}.
     *
     * <p>Untied head: equals &lt;G_w, G_l&gt; restricted to lm_head.weight. Tied head (GPT-2's default): the
     * gradient of the shared matrix wte also collects the embedding-lookup rows, so this is the head's
     * contribution only, &lt;G_w, G_l&gt; of the head matmul with the hidden states held fixed, not the inner
     * product of the whole wte gradients. NaN when the model returned no hidden states.
     */
    static double headInnerProduct(Scorer.Scored chosen, Scorer.Scored rejected, TokenBatch chosenBatch,
                                   TokenBatch rejectedBatch, double[] chosenWeights, double[] rejectedWeights) {
        if (chosen.hidden() == null || rejected.hidden() == null) {
            return Double.NaN;
        }
        return HeadInnerProduct.of(chosen, chosenBatch, chosenWeights, rejected, rejectedBatch, rejectedWeights);
    }

    /**
     * CHES (centered hidden embedding similarity): per pair {@code <s_w, s_l> - ||s_w||^2} with s the sum of
     * the hidden states that predict response tokens; returns the batch mean. Large positive values mean
     * the rejected response's hidden states point along the chosen ones (likelihood displacement risk).
     */
    static double ches(Scorer.Scored chosen, Scorer.Scored rejected, TokenBatch chosenBatch, TokenBatch rejectedBatch) {
        if (chosen.hidden() == null || rejected.hidden() == null) {
            return Double.NaN;
        }
        try (NDArray hw = chosen.hidden().stopGradient(); NDArray hl = rejected.hidden().stopGradient();
             NDArray sw = hw.mul(chosenBatch.mask().expandDims(2)).sum(new int[] {1});
             NDArray sl = hl.mul(rejectedBatch.mask().expandDims(2)).sum(new int[] {1});
             NDArray cross = sw.mul(sl).sum(new int[] {1});
             NDArray self = sw.square().sum(new int[] {1});
             NDArray ches = cross.sub(self).mean()) {
            return ches.toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /** Mean entropy (nats) of the next-token distribution over all response positions of both batches. */
    static double responseEntropy(Scorer.Scored chosen, Scorer.Scored rejected, TokenBatch chosenBatch,
                                  TokenBatch rejectedBatch) {
        double total = entropySum(chosen, chosenBatch) + entropySum(rejected, rejectedBatch);
        double count = chosenBatch.mask().sum().getFloat() + rejectedBatch.mask().sum().getFloat();
        return count > 0 ? total / count : Double.NaN;
    }

    private static double entropySum(Scorer.Scored scored, TokenBatch batch) {
        try (NDArray logits = scored.logits().stopGradient();
             NDArray logp = logits.logSoftmax(2);
             NDArray p = logp.exp();
             NDArray perToken = p.mul(logp).sum(new int[] {2}).neg();
             NDArray masked = perToken.mul(batch.mask());
             NDArray sum = masked.sum()) {
            return sum.toType(DataType.FLOAT64, false).getDouble();
        }
    }
}
