package dev.untangle.tokenmap;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
 * <p>The batch form weights each scored row by its pair's coefficient (a_i for chosen, b_i for rejected),
 * so it is the head part of &lt;G_w, G_l&gt; with G_w = sum_i a_i g_w^i (DESIGN.md batch form); null
 * weights mean 1. Only rows with a nonzero weight (response tokens of pairs whose coefficient is not 0)
 * are kept, and of the two equal forms the one with fewer multiply-adds is used (see {@link #gramIsCheaper}).
 * Arithmetic is in float64 (DESIGN.md: accumulate dot products in double precision).
 */
public final class HeadInnerProduct {
    private HeadInnerProduct() {
    }

    /**
     * The scored rows of one side: {@code probs} P (n,V) float64, row k = softmax(logits_k); {@code targets} (n)
     * int64; {@code weightedHidden} X (n,d) float64, row k = w_k * h_k with w_k = mask * pair weight and h_k the
     * head input that predicts target_k. With E = onehot(targets) the side's head gradient is
     * (E - P)^T X (V,d); E is never formed (it enters through comparisons and gathers, n*V less work).
     */
    public record Rows(NDArray probs, NDArray targets, NDArray weightedHidden) {
        public long count() {
            return targets.getShape().get(0);
        }
    }

    /**
     * Head part of &lt;G_w, G_l&gt; for a batch, from the probe's two scored forwards (values only, no graph).
     * Exact for an untied head; with a tied head the head's contribution to that tensor's gradient only.
     */
    public static double of(Scorer.Scored chosen, TokenBatch chosenBatch, double[] chosenWeights,
                            Scorer.Scored rejected, TokenBatch rejectedBatch, double[] rejectedWeights) {
        NDManager m = chosenBatch.mask().getManager();
        try (NDManager scope = m.newSubManager()) {
            Rows w = rows(chosen.logits(), chosen.hidden(), chosenBatch.targets(), chosenBatch.mask(), chosenWeights, scope);
            Rows l = rows(rejected.logits(), rejected.hidden(), rejectedBatch.targets(), rejectedBatch.mask(),
                    rejectedWeights, scope);
            if (w.count() == 0 || l.count() == 0) {
                return 0; // no scored token on one side: its head gradient is zero
            }
            long vocab = w.probs().getShape().get(1);
            long width = w.weightedHidden().getShape().get(1);
            return gramIsCheaper(w.count(), l.count(), vocab, width) ? viaGram(w, l) : viaHeadGradients(w, l);
        }
    }

    /**
     * Multiply-adds of the two forms for n_w and n_l scored rows (both also compute the softmax, n*V):
     * head gradients (n_w + n_l)*V*d + V*d + n_w*n_l*d, Gram n_w*n_l*(V + d). With V much larger than d the
     * Gram form wins about while n_w*n_l &lt; (n_w + n_l)*d, i.e. below about 2d rows a side (short responses).
     */
    public static boolean gramIsCheaper(long nw, long nl, long vocab, long width) {
        double headGradients = (double) (nw + nl) * vocab * width + (double) vocab * width + (double) nw * nl * width;
        double gram = (double) nw * nl * (vocab + width);
        return gram < headGradients;
    }

    /**
     * &lt;(E_w - P_w)^T X_w, (E_l - P_l)^T X_l&gt;_F with Q = P^T X (V,d) the only (V,d) matrices formed:
     * &lt;E_w^T X_w, E_l^T X_l&gt; = sum over token pairs with the same target of &lt;x_w, x_l&gt;,
     * &lt;E_w^T X_w, Q_l&gt; = sum_k &lt;x_w,k, Q_l[target_k]&gt; (a gather of rows), likewise the third, and
     * &lt;Q_w, Q_l&gt;. Intermediates live in the rows' manager.
     */
    public static double viaHeadGradients(Rows w, Rows l) {
        NDArray qw = w.probs().transpose().matMul(w.weightedHidden()); // (V,d)
        NDArray ql = l.probs().transpose().matMul(l.weightedHidden()); // (V,d)
        NDArray hiddenGram = w.weightedHidden().matMul(l.weightedHidden().transpose()); // (n_w,n_l)
        double sameTargets = sameTargets(w, l).mul(hiddenGram).sum().getDouble();
        double chosenOnRejected = w.weightedHidden().mul(rowsAt(ql, w.targets())).sum().getDouble();
        double rejectedOnChosen = l.weightedHidden().mul(rowsAt(qw, l.targets())).sum().getDouble();
        double probsOnProbs = qw.mul(ql).sum().getDouble();
        return sameTargets - chosenOnRejected - rejectedOnChosen + probsOnProbs;
    }

    /**
     * sum((A_w A_l^T) .* (X_w X_l^T)), the token-pair inner products of DESIGN.md section 1 summed, with
     * A_w A_l^T = 1[target_w = target_l] - P_l[., target_w] - P_w[., target_l] + P_w P_l^T (n_w,n_l).
     * Intermediates live in the rows' manager.
     */
    public static double viaGram(Rows w, Rows l) {
        long nw = w.count();
        long nl = l.count();
        // (E_w P_l^T)[k,j] = P_l[j, target_w,k] and (P_w E_l^T)[k,j] = P_w[k, target_l,j]: gathers, (n_w,n_l) each.
        NDArray chosenTargetUnderRejected = l.probs().gather(w.targets().expandDims(0).repeat(0, nl), 1).transpose();
        NDArray rejectedTargetUnderChosen = w.probs().gather(l.targets().expandDims(0).repeat(0, nw), 1);
        NDArray residualGram = sameTargets(w, l).sub(chosenTargetUnderRejected).sub(rejectedTargetUnderChosen)
                .add(w.probs().matMul(l.probs().transpose())); // A_w A_l^T
        NDArray hiddenGram = w.weightedHidden().matMul(l.weightedHidden().transpose()); // (n_w,n_l)
        return residualGram.mul(hiddenGram).sum().getDouble();
    }

    /** 1[target_w,k = target_l,j] as float64 (n_w,n_l): E_w E_l^T. */
    private static NDArray sameTargets(Rows w, Rows l) {
        return w.targets().expandDims(1).eq(l.targets().expandDims(0)).toType(DataType.FLOAT64, false);
    }

    /** Rows of q (V,d) at the given ids (n): (n,d). */
    private static NDArray rowsAt(NDArray q, NDArray ids) {
        return q.gather(ids.expandDims(1).repeat(1, q.getShape().get(1)), 0);
    }

    /**
     * The rows of one side with a nonzero weight mask[i,t] * weights[i]: logits (B,T,V), hidden (B,T,d),
     * targets (B,T), mask (B,T), weights (B) or null for 1. Everything created lives in {@code manager}.
     */
    public static Rows rows(NDArray logits, NDArray hidden, NDArray targets, NDArray mask, double[] weights,
                            NDManager manager) {
        if (hidden == null) {
            throw new IllegalArgumentException("the head-only closed form needs the head inputs (hidden states);"
                    + " the model's forward returned logits only");
        }
        long vocab = logits.getShape().get(2);
        long width = hidden.getShape().get(2);
        NDArray rowWeights = rowWeights(mask, weights, manager).reshape(-1); // (B*T)
        NDIndex keep = new NDIndex("{}", rowWeights.neq(0)); // the n rows with a nonzero weight
        NDArray selected = attached(logits.stopGradient(), manager).reshape(-1, vocab).get(keep); // (n,V)
        NDArray wide = selected.toType(DataType.FLOAT64, true);
        selected.close();
        NDArray probs = wide.softmax(-1);
        wide.close(); // n*V float64: freed now rather than kept while the other side is built
        NDArray h = attached(hidden.stopGradient(), manager).reshape(-1, width).get(keep); // (n,d)
        NDArray ids = attached(targets.reshape(-1), manager).get(keep).toType(DataType.INT64, false); // (n)
        NDArray weightedHidden = h.toType(DataType.FLOAT64, false).mul(rowWeights.get(keep).expandDims(1));
        return new Rows(probs, ids, weightedHidden);
    }

    /**
     * A = (onehot(targets) - softmax(logits)) * mask, rows scaled by the pair weights: (B,T,V) float64 in
     * {@code manager}. Row (i,t) is the gradient of mask*log p(target) with respect to the logits.
     */
    public static NDArray residuals(NDArray logits, NDArray targets, NDArray mask, double[] weights, NDManager manager) {
        NDArray a = oneHotMinusSoftmax(attached(logits.stopGradient(), manager), targets, manager);
        return a.mul(rowWeights(mask, weights, manager).expandDims(-1));
    }

    /** onehot(targets) - softmax(logits) in float64 along the last axis, in {@code manager}. */
    private static NDArray oneHotMinusSoftmax(NDArray logits, NDArray targets, NDManager manager) {
        long vocab = logits.getShape().get(logits.getShape().dimension() - 1);
        // Copies (toType with copy = true) so that nothing the caller owns is moved into the manager.
        NDArray wide = attached(logits.toType(DataType.FLOAT64, true), manager);
        NDArray p = wide.softmax(-1);
        NDArray ids = attached(targets.toType(DataType.INT64, true), manager);
        NDArray a = ids.oneHot((int) vocab).toType(DataType.FLOAT64, false).subi(p);
        // n*V float64 each: freed now rather than kept while the other side is built.
        wide.close();
        p.close();
        return a;
    }

    /** mask (B,T) times the pair weights (B) or 1, float64, in {@code manager}. */
    private static NDArray rowWeights(NDArray mask, double[] weights, NDManager manager) {
        NDArray rowWeights = attached(mask.toType(DataType.FLOAT64, true), manager);
        return weights == null ? rowWeights : rowWeights.mul(manager.create(weights).expandDims(1));
    }

    private static NDArray attached(NDArray array, NDManager manager) {
        array.attach(manager);
        return array;
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
