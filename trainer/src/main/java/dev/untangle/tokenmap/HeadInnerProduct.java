package dev.untangle.tokenmap;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;

/**
 * The head-only closed form of DESIGN.md section 1 ("Why the inner product is large"): for an output layer
 * softmax(W h), grad_W log pi(a|h) = (e_a - p) h^T, so the head part of a whole sequence gradient is
 * A^T H with A = (onehot(targets) - softmax(logits)) * mask (T,V) and H the head inputs (T,d), and two
 * such gradients have the inner product sum((A_w A_l^T) .* (H_w H_l^T)) = &lt;A_w^T H_w, A_l^T H_l&gt;_F.
 * Computable from forward values alone, no backward.
 *
 * <p>Exact for an UNTIED head (lm_head.weight). With GPT-2's tied head the same matrix W is also the
 * token embedding, whose gradient adds the embedding-lookup rows; the closed form then gives the head's
 * contribution only, not the whole gradient of that tensor.
 *
 * <p>The batch form weights each row of A by its pair's coefficient (a_i for chosen, b_i for rejected),
 * so it is the head part of &lt;G_w, G_l&gt; with G_w = sum_i a_i g_w^i (DESIGN.md batch form); null
 * weights mean 1. Arithmetic is in float64 (DESIGN.md: accumulate dot products in double precision). The
 * equivalent form &lt;A_w^T H_w, A_l^T H_l&gt; is used because it costs V*d*(B*T) instead of (B*T)^2*V.
 */
public final class HeadInnerProduct {
    private HeadInnerProduct() {
    }

    /**
     * Head part of &lt;G_w, G_l&gt; for a batch, from the probe's two scored forwards (the probe can call it on
     * every step; it reads values only and builds no graph).
     */
    public static double of(Scorer.Scored chosen, TokenBatch chosenBatch, double[] chosenWeights,
                            Scorer.Scored rejected, TokenBatch rejectedBatch, double[] rejectedWeights) {
        NDManager m = chosenBatch.mask().getManager();
        try (NDManager scope = m.newSubManager()) {
            NDArray gw = headGradient(chosen.logits(), chosen.hidden(), chosenBatch.targets(), chosenBatch.mask(),
                    chosenWeights, scope);
            NDArray gl = headGradient(rejected.logits(), rejected.hidden(), rejectedBatch.targets(),
                    rejectedBatch.mask(), rejectedWeights, scope);
            return gw.mul(gl).sum().getDouble();
        }
    }

    /**
     * The head gradient A^T H (V,d) in float64 of sum_i w_i * sum_t mask[i,t] log p(target[i,t]) from forward
     * values: logits (B,T,V), hidden (B,T,d), targets (B,T), mask (B,T); weights (B) or null for 1.
     * The result lives in {@code manager}.
     */
    public static NDArray headGradient(NDArray logits, NDArray hidden, NDArray targets, NDArray mask, double[] weights,
                                       NDManager manager) {
        NDArray a = residuals(logits, targets, mask, weights, manager); // (B,T,V)
        NDArray h = hidden.stopGradient().toType(DataType.FLOAT64, true);
        h.attach(manager);
        long v = a.getShape().get(2);
        long d = h.getShape().get(2);
        return a.reshape(-1, v).transpose().matMul(h.reshape(-1, d)); // (V,d)
    }

    /**
     * A = (onehot(targets) - softmax(logits)) * mask, rows scaled by the pair weights: (B,T,V) float64 in
     * {@code manager}. Row (i,t) is the gradient of mask*log p(target) with respect to the logits.
     */
    public static NDArray residuals(NDArray logits, NDArray targets, NDArray mask, double[] weights, NDManager manager) {
        NDArray l = logits.stopGradient().toType(DataType.FLOAT64, true);
        l.attach(manager);
        long vocab = l.getShape().get(2);
        NDArray p = l.softmax(-1);
        NDArray oneHot = targets.toType(DataType.INT64, false).oneHot((int) vocab).toType(DataType.FLOAT64, false);
        NDArray rowWeights = mask.toType(DataType.FLOAT64, true);
        rowWeights.attach(manager);
        if (weights != null) {
            rowWeights = rowWeights.mul(manager.create(weights).expandDims(1));
        }
        NDArray a = oneHot.sub(p).mul(rowWeights.expandDims(2));
        a.attach(manager);
        return a;
    }

    /**
     * Token-level head inner products for one pair: entry [s][t] = &lt;a_s, a'_t&gt; * &lt;h_s, h'_t&gt; =
     * (1[y_s = y'_t] - p'_t(y_s) - p_s(y'_t) + &lt;p_s, p'_t&gt;) * &lt;h_s, h'_t&gt;, where a is a residual row of
     * A (mask 1) and h the head input predicting that token. Inputs: chosen rows aW (n_w,V), hW (n_w,d),
     * rejected rows aL (n_l,V), hL (n_l,d), all float64. Returns {inner (n_w,n_l), normsChosen, normsRejected}
     * as Java arrays; token norms are ||a|| * ||h||.
     */
    public static double[][][] tokenMatrix(NDArray aW, NDArray hW, NDArray aL, NDArray hL) {
        NDArray inner = aW.matMul(aL.transpose()).mul(hW.matMul(hL.transpose()));
        NDArray normW = aW.norm(new int[] {1}).mul(hW.norm(new int[] {1}));
        NDArray normL = aL.norm(new int[] {1}).mul(hL.norm(new int[] {1}));
        int nw = (int) aW.getShape().get(0);
        int nl = (int) aL.getShape().get(0);
        double[] flat = inner.toDoubleArray();
        double[][] matrix = new double[nw][nl];
        for (int s = 0; s < nw; s++) {
            System.arraycopy(flat, s * nl, matrix[s], 0, nl);
        }
        return new double[][][] {matrix, {normW.toDoubleArray()}, {normL.toDoubleArray()}};
    }
}
