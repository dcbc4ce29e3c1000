package dev.untangle.tokenmap;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Gradients;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.model.Gpt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The token-level view of one pair's entanglement (DESIGN.md section 1, "Why the inner product is large"):
 * the sequence gradients are sums of token gradients, ip = sum_s sum_t &lt;g_s(y_w), g_t(y_l)&gt;, so the
 * chosen x rejected matrix of token-gradient cosines shows which token pairs carry it.
 *
 * <p>Full parameters: the gradient of each response token's log-prob (one forward and one backward per
 * token, fine for one pair), flattened over every trainable tensor; at most {@code maxTokens} tokens of
 * each response (the first ones) are mapped. Head only: the closed form of {@link HeadInnerProduct} from
 * one forward, exact for an untied head and the head's contribution only when the head is tied.
 *
 * @param chosenTokens      the mapped chosen token ids (the first min(|y_w|, maxTokens))
 * @param rejectedTokens    the mapped rejected token ids
 * @param fullInner         [s][t] = &lt;g_s, g'_t&gt; over all trainable parameters (float64 accumulation)
 * @param fullCosine        the same as cosines
 * @param headInner         [s][t] head-only closed form
 * @param headCosine        the same as cosines
 * @param chosenLength      |y_w| (all tokens, mapped or not); rejectedLength likewise
 */
public record TokenMap(int[] chosenTokens, int[] rejectedTokens, double[][] fullInner, double[][] fullCosine,
                       double[][] headInner, double[][] headCosine, int chosenLength, int rejectedLength) {

    /** Columns of the flattened gradient matrices multiplied per chunk in float64 (bounds the memory). */
    private static final long CHUNK = 1 << 16;

    /** Maps {@code pair}; parameters are left as they were (gradients zeroed after every backward). */
    public static TokenMap of(Gpt model, EncodedPair pair, int padId, int maxTokens, NDManager parent) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
        ParameterStore parameters = new ParameterStore(parent, false);
        Gradients gradients = new Gradients(model);
        try (NDManager m = parent.newSubManager()) {
            TokenBatch chosen = Batches.chosen(List.of(pair), padId, m);
            TokenBatch rejected = Batches.rejected(List.of(pair), padId, m);
            int nw = Math.min(pair.chosen().length, maxTokens);
            int nl = Math.min(pair.rejected().length, maxTokens);
            int first = pair.prompt().length - 1; // target index of the first response token
            NDArray gw = tokenGradients(model, parameters, gradients, s -> Batches.chosen(List.of(pair), padId, s),
                    first, nw, m); // (nw, P)
            NDArray gl = tokenGradients(model, parameters, gradients, s -> Batches.rejected(List.of(pair), padId, s),
                    first, nl, m); // (nl, P)
            double[][] fullInner = gram(gw, gl);
            double[] normW = rowNorms(gw);
            double[] normL = rowNorms(gl);

            double[][][] head = headMatrix(model, parameters, chosen, rejected, first, nw, nl, m);
            return new TokenMap(java.util.Arrays.copyOf(pair.chosen(), nw), java.util.Arrays.copyOf(pair.rejected(), nl),
                    fullInner, cosines(fullInner, normW, normL), head[0], cosines(head[0], head[1][0], head[2][0]),
                    pair.chosen().length, pair.rejected().length);
        }
    }

    /** Row k = gradient of log p(response token k) over all trainable parameters, flattened: (n, P) float32. */
    private static NDArray tokenGradients(Gpt model, ParameterStore parameters, Gradients gradients,
                                          Function<NDManager, TokenBatch> batchIn, int first, int n, NDManager m) {
        List<NDArray> rows = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            try (NDManager step = m.newSubManager()) {
                // The batch is built in the token's own manager so each forward's activations are freed with it.
                TokenBatch batch = batchIn.apply(step);
                NDArray row;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    Scorer.Scored s = Scorer.score(model, parameters, batch, true);
                    collector.backward(s.tokenLogProbs().get(new NDIndex(0, first + k)));
                    Map<String, NDArray> grads = gradients.take(step);
                    NDList flat = new NDList();
                    for (NDArray g : grads.values()) {
                        flat.add(g.flatten());
                    }
                    row = NDArrays.concat(flat);
                }
                row.attach(m);
                rows.add(row);
            }
        }
        NDArray stacked = NDArrays.stack(new NDList(rows));
        for (NDArray r : rows) {
            r.close();
        }
        return stacked;
    }

    /** a_rows b_rows^T in float64, by column chunks so the float64 copies stay small. */
    static double[][] gram(NDArray a, NDArray b) {
        int na = (int) a.getShape().get(0);
        int nb = (int) b.getShape().get(0);
        long columns = a.getShape().get(1);
        double[] sum = new double[na * nb];
        for (long c = 0; c < columns; c += CHUNK) {
            long end = Math.min(columns, c + CHUNK);
            try (NDManager chunk = a.getManager().newSubManager()) {
                NDArray x = a.get(new NDIndex(":, {}:{}", c, end)).toType(DataType.FLOAT64, true);
                NDArray y = b.get(new NDIndex(":, {}:{}", c, end)).toType(DataType.FLOAT64, true);
                x.attach(chunk);
                y.attach(chunk);
                double[] part = x.matMul(y.transpose()).toDoubleArray();
                for (int i = 0; i < part.length; i++) {
                    sum[i] += part[i];
                }
            }
        }
        double[][] out = new double[na][nb];
        for (int i = 0; i < na; i++) {
            System.arraycopy(sum, i * nb, out[i], 0, nb);
        }
        return out;
    }

    private static double[] rowNorms(NDArray a) {
        int n = (int) a.getShape().get(0);
        double[] squares = new double[n];
        long columns = a.getShape().get(1);
        for (long c = 0; c < columns; c += CHUNK) {
            long end = Math.min(columns, c + CHUNK);
            try (NDManager chunk = a.getManager().newSubManager()) {
                NDArray x = a.get(new NDIndex(":, {}:{}", c, end)).toType(DataType.FLOAT64, true);
                x.attach(chunk);
                double[] part = x.square().sum(new int[] {1}).toDoubleArray();
                for (int i = 0; i < n; i++) {
                    squares[i] += part[i];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            squares[i] = Math.sqrt(squares[i]);
        }
        return squares;
    }

    /** Head-only closed form for the mapped tokens, from one forward of each side without a graph. */
    private static double[][][] headMatrix(Gpt model, ParameterStore parameters, TokenBatch chosen,
                                           TokenBatch rejected, int first, int nw, int nl, NDManager m) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager scope = m.newSubManager()) {
            NDArray[] w = rows(Scorer.score(model, parameters, chosen, false), chosen, first, nw, scope);
            NDArray[] l = rows(Scorer.score(model, parameters, rejected, false), rejected, first, nl, scope);
            return HeadInnerProduct.tokenMatrix(w[0], w[1], l[0], l[1]);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** {residual rows A (n,V), head inputs H (n,d)} of the first n response tokens, float64. */
    private static NDArray[] rows(Scorer.Scored s, TokenBatch batch, int first, int n, NDManager scope) {
        NDIndex span = new NDIndex("0, {}:{}", first, first + n);
        NDArray a = HeadInnerProduct.residuals(s.logits().get(span).expandDims(0),
                batch.targets().get(span).expandDims(0), batch.mask().get(span).expandDims(0), null, scope).squeeze(0);
        NDArray h = s.hidden().get(span).toType(DataType.FLOAT64, true);
        h.attach(scope);
        return new NDArray[] {a, h};
    }

    static double[][] cosines(double[][] inner, double[] normsRows, double[] normsColumns) {
        double[][] out = new double[inner.length][];
        for (int s = 0; s < inner.length; s++) {
            out[s] = new double[inner[s].length];
            for (int t = 0; t < inner[s].length; t++) {
                double denominator = normsRows[s] * normsColumns[t];
                out[s][t] = denominator > 0 ? inner[s][t] / denominator : Double.NaN;
            }
        }
        return out;
    }

    /** Sum of every entry: equals the sequence inner product when no token was left out by maxTokens. */
    public static double total(double[][] matrix) {
        double sum = 0;
        for (double[] row : matrix) {
            for (double v : row) {
                sum += v;
            }
        }
        return sum;
    }
}
