package dev.untangle.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The gradients of the per-group parameter copies after one backward (Gpt#groupedLeaves): per tensor one
 * (G, ...) array whose row g is the gradient of group g's rows alone, and the combinations the probe
 * needs, G_w = sum_g cw_g*grad_g and G_l = sum_g cl_g*grad_g. Batch form (G = 2, the backward already
 * weighted by a_i and b_i): cw = (1, 0), cl = (0, 1). Per-pair form (G = 2B, unit weights): cw holds a_i
 * on the chosen rows, cl holds b_i on the rejected rows.
 *
 * <p>Inner products are over ALL parameters and accumulated in double precision (DESIGN.md section 1):
 * each tensor's (G, n) gradient is converted to float64 once; the Gram matrix F F^T (G x G, summed over
 * the tensors' float64 products) gives every norm and inner product as a quadratic form, and the
 * predictions &lt;G_w, d&gt;, &lt;G_l, d&gt; for an applied change d are float64 matrix-vector products F d.
 */
public final class GroupGradients implements AutoCloseable {
    private final Map<String, NDArray> grads;
    private final int groups;
    /** Per tensor its gradient as a (G, n) float64 matrix: the one conversion every product reuses. */
    private final Map<String, NDArray> wide = new LinkedHashMap<>();
    private final double[][] gram;

    /** @param grads per trainable tensor its (G, ...) gradient, in the optimizer's name order */
    GroupGradients(Map<String, NDArray> grads) {
        if (grads.isEmpty()) {
            throw new IllegalStateException("no trainable parameter received a gradient");
        }
        this.grads = grads;
        this.groups = Math.toIntExact(grads.values().iterator().next().getShape().get(0));
        gram = new double[groups][groups];
        // Per tensor: one float64 conversion and one (G, n) x (n, G) product; the partial Gram matrices
        // are added in Java doubles. No (G, P) concatenation: that would copy every gradient twice.
        for (Map.Entry<String, NDArray> e : grads.entrySet()) {
            NDArray g64 = e.getValue().reshape(groups, -1).toType(DataType.FLOAT64, true);
            wide.put(e.getKey(), g64);
            try (NDArray transposed = g64.transpose(); NDArray product = g64.matMul(transposed)) {
                double[] g = product.toDoubleArray();
                for (int i = 0; i < groups; i++) {
                    for (int j = 0; j < groups; j++) {
                        gram[i][j] += g[i * groups + j];
                    }
                }
            }
        }
    }

    /** Collects the gradients of the trainable copies (copies without a gradient are frozen tensors). */
    public static GroupGradients of(Map<String, NDArray> leaves) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        leaves.forEach((name, copies) -> {
            if (copies.hasGradient()) {
                NDArray grad = copies.getGradient();
                grad.attach(copies.getManager());
                grads.put(name, grad);
            }
        });
        return new GroupGradients(grads);
    }

    public int groups() {
        return groups;
    }

    /** x^T Gram y: the inner product of sum_g x_g grad_g and sum_g y_g grad_g. */
    public double quadratic(double[] x, double[] y) {
        double total = 0;
        for (int i = 0; i < groups; i++) {
            if (x[i] == 0) {
                continue;
            }
            for (int j = 0; j < groups; j++) {
                total += x[i] * gram[i][j] * y[j];
            }
        }
        return total;
    }

    /** ||grad_g||, each group's own gradient norm. */
    public double[] norms() {
        double[] out = new double[groups];
        for (int g = 0; g < groups; g++) {
            out[g] = Math.sqrt(gram[g][g]);
        }
        return out;
    }

    /** sum_g c_g*grad_g per tensor, in the gradients' manager. */
    Map<String, NDArray> combine(double[] c) {
        NDArray first = grads.values().iterator().next();
        NDArray coefficients = first.getManager().create(c).toType(first.getDataType(), false).reshape(1, groups);
        Map<String, NDArray> out = new LinkedHashMap<>();
        grads.forEach((name, g) -> out.put(name, coefficients.matMul(g.reshape(groups, -1)).reshape(g.getShape().slice(1))));
        return out;
    }

    /** &lt;grad_g, d&gt; for every group, for a change d given per tensor (same names), in float64. */
    double[] dot(Map<String, NDArray> change) {
        double[] out = new double[groups];
        for (Map.Entry<String, NDArray> e : wide.entrySet()) {
            NDArray d = change.get(e.getKey());
            if (d == null) {
                throw new IllegalStateException("no " + e.getKey() + " among " + change.keySet());
            }
            try (NDArray column = d.reshape(-1, 1).toType(DataType.FLOAT64, true);
                 NDArray product = e.getValue().matMul(column)) {
                double[] p = product.toDoubleArray();
                for (int g = 0; g < groups; g++) {
                    out[g] += p[g];
                }
            }
        }
        return out;
    }

    static double dot(double[] x, double[] y) {
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            total += x[i] * y[i];
        }
        return total;
    }

    @Override
    public void close() {
        wide.values().forEach(NDArray::close);
    }
}
