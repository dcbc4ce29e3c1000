package dev.untangle.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A right-padded batch of sequences as NDArrays in one step's manager: {@code inputIds} and
 * {@code targets} (B,T) int64 (targets are inputs shifted by one), {@code mask} (B,T) float32 is 1 where
 * the target is a scored (response) token (or that token's weight for the sparse loss),
 * {@code tokenCounts} (B) float32 = |y|, the response lengths used by length-normalized losses.
 */
public record TokenBatch(NDArray inputIds, NDArray targets, NDArray mask, NDArray tokenCounts) {

    /** Builds the arrays in {@code manager} from flat row-major Java arrays of shape (batch, length). */
    public static TokenBatch of(NDManager manager, long[] inputIds, long[] targets, float[] mask,
                                int[] responseTokens, int batch, int length) {
        Shape shape = new Shape(batch, length);
        float[] counts = new float[batch];
        for (int i = 0; i < batch; i++) {
            counts[i] = responseTokens[i];
        }
        return new TokenBatch(manager.create(inputIds, shape), manager.create(targets, shape),
                manager.create(mask, shape), manager.create(counts));
    }

    /**
     * Rows of {@code first} then rows of {@code second}, both right-padded with zeros (id 0, mask 0) to the
     * longer length: one batch for one forward (padding after a sequence changes none of its outputs under
     * the causal mask, and a zero mask leaves it out of every sum).
     */
    public static TokenBatch concat(TokenBatch first, TokenBatch second) {
        long length = Math.max(first.length(), second.length());
        return new TokenBatch(
                NDArrays.concat(new NDList(first.padded(first.inputIds, length), second.padded(second.inputIds, length))),
                NDArrays.concat(new NDList(first.padded(first.targets, length), second.padded(second.targets, length))),
                NDArrays.concat(new NDList(first.padded(first.mask, length), second.padded(second.mask, length))),
                NDArrays.concat(new NDList(first.tokenCounts, second.tokenCounts)));
    }

    /** Rows [from, to) as a batch (views). */
    public TokenBatch rows(int from, int to) {
        NDIndex range = new NDIndex("{}:{}", from, to);
        return new TokenBatch(inputIds.get(range), targets.get(range), mask.get(range), tokenCounts.get(range));
    }

    public long length() {
        return inputIds.getShape().get(1);
    }

    private NDArray padded(NDArray array, long length) {
        long missing = length - length();
        if (missing == 0) {
            return array;
        }
        NDArray zeros = array.getManager().zeros(new Shape(size(), missing), array.getDataType(), array.getDevice());
        return array.concat(zeros, 1);
    }

    public int size() {
        return (int) inputIds.getShape().get(0);
    }

    public long tokens() {
        return inputIds.getShape().size();
    }
}
