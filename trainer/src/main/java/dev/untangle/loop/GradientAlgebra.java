package dev.untangle.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.Map;

/**
 * Inner products of whole-model gradients stored per parameter name, accumulated in double precision
 * (DESIGN.md section 1: "Accumulate dot products in double precision"): each parameter's partial sum is
 * computed in float64 and the partial sums are added in Java doubles.
 */
public final class GradientAlgebra {
    private GradientAlgebra() {
    }

    public static double dot(Map<String, NDArray> a, Map<String, NDArray> b) {
        double total = 0;
        for (Map.Entry<String, NDArray> e : a.entrySet()) {
            NDArray other = b.get(e.getKey());
            if (other == null) {
                continue;
            }
            try (NDArray x = e.getValue().toType(DataType.FLOAT64, true);
                 NDArray y = other.toType(DataType.FLOAT64, true);
                 NDArray product = x.mul(y);
                 NDArray sum = product.sum()) {
                total += sum.getDouble();
            }
        }
        return total;
    }

    public static double normSquared(Map<String, NDArray> a) {
        return dot(a, a);
    }
}
