package dev.untangle.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * Teacher-forced log-probabilities of given tokens (DESIGN.md section 1: lw = log pi(y_w|x) is the SUM of
 * response-token log-probabilities, prompt and padding masked out).
 */
public final class TokenLogProbs {

    private TokenLogProbs() {
    }

    /**
     * log p(targets[b,t]) under softmax(logits[b,t,:]): logits (B,T,V), targets (B,T) integer ids, result
     * (B,T) in the logits' type. Computed as logSoftmax then gather, so it is exact to float rounding.
     */
    public static NDArray of(NDArray logits, NDArray targets) {
        if (logits.getShape().dimension() != 3 || targets.getShape().dimension() != 2
                || logits.getShape().get(0) != targets.getShape().get(0)
                || logits.getShape().get(1) != targets.getShape().get(1)) {
            throw new IllegalArgumentException("expected logits (B,T,V) and targets (B,T), got "
                    + logits.getShape() + " and " + targets.getShape());
        }
        NDArray logProbs = logits.logSoftmax(-1); // (B,T,V)
        return logProbs.gather(targets.toType(ai.djl.ndarray.types.DataType.INT64, false).expandDims(-1), -1)
                .squeeze(-1); // (B,T)
    }

    /**
     * The usual causal-LM alignment: logits at position t score ids at t+1. logits (B,T,V), ids (B,T);
     * result (B,T-1) where column t is log p(ids[t+1] | ids[0..t]).
     */
    public static NDArray ofNextTokens(NDArray logits, NDArray ids) {
        long time = ids.getShape().get(1);
        NDArray predicting = logits.get(new NDIndex(":, :{}, :", time - 1));
        NDArray next = ids.get(new NDIndex(":, 1:"));
        return of(predicting, next);
    }

    /**
     * Per-sequence sum of token log-probs where mask is nonzero: tokenLogProbs (B,T), mask (B,T) of 0/1 (any
     * numeric type, or weights in [0,1] for the token-masked variant), result (B).
     */
    public static NDArray sequenceSum(NDArray tokenLogProbs, NDArray mask) {
        if (!tokenLogProbs.getShape().equals(mask.getShape())) {
            throw new IllegalArgumentException("tokenLogProbs " + tokenLogProbs.getShape() + " and mask "
                    + mask.getShape() + " differ in shape");
        }
        return tokenLogProbs.mul(mask.toType(tokenLogProbs.getDataType(), false)).sum(new int[] {1});
    }
}
