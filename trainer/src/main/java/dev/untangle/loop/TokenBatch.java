package dev.untangle.loop;

import ai.djl.ndarray.NDArray;
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

    public int size() {
        return (int) inputIds.getShape().get(0);
    }

    public long tokens() {
        return inputIds.getShape().size();
    }
}
