package dev.untangle.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A right-padded batch of sequences as NDArrays in one step's manager: {@code inputIds} and
 * {@code targets} (B,T) int64 (targets are inputs shifted by one), {@code mask} (B,T) float32 is 1 where
 * the target is a scored (response) token, {@code tokenCounts} (B) float32 = mask row sums (>= 1).
 */
public record TokenBatch(NDArray inputIds, NDArray targets, NDArray mask, NDArray tokenCounts) {

    /** Builds the arrays in {@code manager} from flat row-major Java arrays of shape (batch, length). */
    public static TokenBatch of(NDManager manager, long[] inputIds, long[] targets, float[] mask,
                                int batch, int length) {
        Shape shape = new Shape(batch, length);
        NDArray maskArray = manager.create(mask, shape);
        return new TokenBatch(manager.create(inputIds, shape), manager.create(targets, shape), maskArray,
                maskArray.sum(new int[] {1}));
    }

    public int size() {
        return (int) inputIds.getShape().get(0);
    }

    public long tokens() {
        return inputIds.getShape().size();
    }
}
