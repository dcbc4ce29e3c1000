package dev.untangle.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Arithmetic with a constant inside an autograd graph. DJL 0.36's {@code NDArray.mul(Number)} (and div)
 * wraps the number in a tensor over a Java-owned direct buffer and closes it right after the op, but
 * autograd keeps that tensor for the backward pass; its memory can then be reused before the backward
 * runs. Measured: wrong or NaN gradients in the first block in about one fresh JVM in three. Here the
 * constant is a tensor that libtorch owns (a converted copy) and the step's manager keeps alive.
 */
public final class Scalars {
    private Scalars() {
    }

    /** x * value, safe to differentiate. */
    public static NDArray times(NDArray x, double value) {
        return x.mul(constantLike(x, value));
    }

    /** x / value, safe to differentiate. */
    public static NDArray over(NDArray x, double value) {
        return x.div(constantLike(x, value));
    }

    /** A scalar of x's type in x's manager, whose memory is libtorch's own. */
    public static NDArray constantLike(NDArray x, double value) {
        NDArray wide = x.getManager().create(value);
        // toType with copy = true always makes a new tensor in engine-owned memory, even for float64.
        return wide.toType(x.getDataType() == DataType.UNKNOWN ? DataType.FLOAT32 : x.getDataType(), true);
    }
}
