package dev.untangle.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * G_w and G_l of one probe step as the gradients of the per-group parameter copies (Gpt#groupedLeaves with
 * two groups): per tensor one (2, ...) array, row 0 = G_w, row 1 = G_l.
 *
 * <p>The entanglement numbers are inner products over ALL parameters, accumulated in double precision
 * (DESIGN.md section 1): the gradients are flattened once into a (2, P) float64 matrix F, and the Gram
 * matrix F F^T gives ||G_w||^2, &lt;G_w, G_l&gt;, ||G_l||^2 in one float64 product; the predictions
 * &lt;G_w, d&gt;, &lt;G_l, d&gt; for an applied change d are one matrix-vector product with the same F.
 * Scale factors (npo's in-step normalization) are applied to these numbers, not to the arrays.
 */
final class GradientPair implements AutoCloseable {
    private final Map<String, NDArray> both;
    private final NDArray flat;
    private final double[] gram;

    /** @param both per trainable tensor its (2, ...) gradient, in the optimizer's name order */
    GradientPair(Map<String, NDArray> both) {
        this.both = both;
        this.flat = flatten(both, true);
        try (NDArray product = flat.matMul(flat.transpose())) {
            double[] g = product.toDoubleArray(); // row-major 2x2
            this.gram = new double[] {g[0], g[1], g[3]};
        }
    }

    /** Collects the gradients of the trainable copies (leaves without a gradient are frozen tensors). */
    static GradientPair of(Map<String, NDArray> leaves) {
        Map<String, NDArray> both = new LinkedHashMap<>();
        leaves.forEach((name, copies) -> {
            if (copies.hasGradient()) {
                NDArray grad = copies.getGradient();
                grad.attach(copies.getManager());
                both.put(name, grad);
            }
        });
        return new GradientPair(both);
    }

    double normSquaredChosen() {
        return gram[0];
    }

    double innerProduct() {
        return gram[1];
    }

    double normSquaredRejected() {
        return gram[2];
    }

    /**
     * The update the loss asks for, factorRejected*G_l - factorChosen*G_w per tensor: the gradient of the loss
     * (a descent step moves along -(G_l - G_w)), in the gradients' manager.
     */
    Map<String, NDArray> lossGradient(double factorChosen, double factorRejected) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        both.forEach((name, g) -> {
            NDArray chosen = g.get(0);
            NDArray rejected = g.get(1);
            if (factorChosen == 1 && factorRejected == 1) {
                out.put(name, rejected.sub(chosen));
            } else {
                out.put(name, rejected.mul(factorRejected).sub(chosen.mul(factorChosen)));
            }
        });
        return out;
    }

    /** {&lt;G_w, d&gt;, &lt;G_l, d&gt;} for a change d given per tensor (same names), in float64. */
    double[] dot(Map<String, NDArray> change) {
        try (NDArray d = flatten(change, false);
             NDArray column = d.reshape(-1, 1);
             NDArray product = flat.matMul(column)) {
            return product.toDoubleArray();
        }
    }

    /** (2, P) float64 when grouped, (P) float64 otherwise, tensors in {@link #both}'s order. */
    private NDArray flatten(Map<String, NDArray> arrays, boolean grouped) {
        NDList parts = new NDList(both.size());
        for (String name : both.keySet()) {
            NDArray a = arrays.get(name);
            if (a == null) {
                throw new IllegalStateException("no " + name + " among " + arrays.keySet());
            }
            parts.add(grouped ? a.reshape(2, -1) : a.reshape(-1));
        }
        try (NDArray joined = NDArrays.concat(parts, grouped ? 1 : 0)) {
            return joined.toType(DataType.FLOAT64, true);
        }
    }

    @Override
    public void close() {
        flat.close();
    }
}
