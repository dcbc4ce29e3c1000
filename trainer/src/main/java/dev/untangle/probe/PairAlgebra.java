package dev.untangle.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The probe's inner products in float64 (DESIGN.md section 1: "Accumulate dot products in double
 * precision") with each gradient converted to float64 ONCE: the Gram entries of (G_w, G_l) and, after the
 * update, their inner products with the applied change. Pairwise GradientAlgebra.dot calls would convert
 * every tensor again for each of the five products, a measurable share of a small model's step.
 */
final class PairAlgebra {
    private final Map<String, NDArray> chosen = new LinkedHashMap<>();
    private final Map<String, NDArray> rejected = new LinkedHashMap<>();
    final double chosenSquared;
    final double innerProduct;
    final double rejectedSquared;

    PairAlgebra(Map<String, NDArray> gradChosen, Map<String, NDArray> gradRejected, NDManager step) {
        double ww = 0;
        double wl = 0;
        double ll = 0;
        for (Map.Entry<String, NDArray> e : gradChosen.entrySet()) {
            NDArray w = e.getValue().toType(DataType.FLOAT64, true);
            NDArray l = gradRejected.get(e.getKey()).toType(DataType.FLOAT64, true);
            w.attach(step);
            l.attach(step);
            chosen.put(e.getKey(), w);
            rejected.put(e.getKey(), l);
            ww += sumOfProduct(w, w);
            wl += sumOfProduct(w, l);
            ll += sumOfProduct(l, l);
        }
        this.chosenSquared = ww;
        this.innerProduct = wl;
        this.rejectedSquared = ll;
    }

    /**
     * ||G_l - G_w||^2, the squared norm of the loss gradient, from the Gram entries (exact algebra; in
     * float64 the cancellation costs at most ~8 of 16 digits even for cosines within 1e-8 of 1).
     */
    double differenceSquared() {
        return Math.max(0, chosenSquared + rejectedSquared - 2 * innerProduct);
    }

    /** {&lt;G_w, delta&gt;, &lt;G_l, delta&gt;} for a per-tensor change (the optimizer's applied update). */
    double[] dotsWith(Map<String, NDArray> delta) {
        double w = 0;
        double l = 0;
        for (Map.Entry<String, NDArray> e : delta.entrySet()) {
            NDArray c = chosen.get(e.getKey());
            if (c == null) {
                continue;
            }
            try (NDArray d = e.getValue().toType(DataType.FLOAT64, true)) {
                w += sumOfProduct(c, d);
                l += sumOfProduct(rejected.get(e.getKey()), d);
            }
        }
        return new double[] {w, l};
    }

    private static double sumOfProduct(NDArray a, NDArray b) {
        try (NDArray product = a.mul(b); NDArray sum = product.sum()) {
            return sum.getDouble();
        }
    }
}
