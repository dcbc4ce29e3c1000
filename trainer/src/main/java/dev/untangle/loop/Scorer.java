package dev.untangle.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.ndarray.index.NDIndex;
import dev.untangle.model.Gpt;
import dev.untangle.model.TokenLogProbs;

import java.util.Map;

/**
 * Teacher-forced scoring: per-sequence SUM of response-token log-probs (DESIGN.md section 1, lw and ll),
 * with the per-token values and the hidden states that predict each token kept for the probe's extras.
 */
public final class Scorer {
    private Scorer() {
    }

    /** Scored batch: {@code sums} (B), {@code tokenLogProbs} (B,T), {@code logits} (B,T,V), {@code hidden} (B,T,d). */
    public record Scored(NDArray sums, NDArray tokenLogProbs, NDArray logits, NDArray hidden) {
        /** Rows [from, to) of every array (views, in the same graph). */
        public Scored rows(long from, long to) {
            NDIndex range = new NDIndex("{}:{}", from, to);
            return new Scored(sums.get(range), tokenLogProbs.get(range), logits.get(range),
                    hidden == null ? null : hidden.get(range));
        }
    }

    public static Scored score(Block model, ParameterStore parameters, TokenBatch batch, boolean training) {
        return scored(model.forward(parameters, new NDList(batch.inputIds()), training), batch);
    }

    /** As {@link #score}, through per-group parameter copies ({@link Gpt#forwardGrouped}). */
    public static Scored scoreGrouped(Gpt model, Map<String, NDArray> leaves, TokenBatch batch) {
        return scored(model.forwardGrouped(leaves, batch.inputIds()), batch);
    }

    private static Scored scored(NDList out, TokenBatch batch) {
        NDArray logits = out.get(0);
        NDArray hidden = out.size() > 1 ? out.get(1) : null;
        NDArray tokenLogProbs = TokenLogProbs.of(logits, batch.targets());
        NDArray sums = TokenLogProbs.sequenceSum(tokenLogProbs, batch.mask());
        return new Scored(sums, tokenLogProbs, logits, hidden);
    }

    /** Scores without recording a graph (reference model, re-scoring after a step, evals). */
    public static double[] scoreNoGrad(Block model, ParameterStore parameters, TokenBatch batch) {
        return toDoubles(scoreDetached(model, parameters, batch).sums());
    }

    /** {@link #score} in inference mode without recording a graph: every value, none differentiable. */
    public static Scored scoreDetached(Block model, ParameterStore parameters, TokenBatch batch) {
        boolean gradMode = ai.djl.pytorch.jni.JniUtils.isGradMode();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        try {
            return score(model, parameters, batch, false);
        } finally {
            ai.djl.pytorch.jni.JniUtils.setGradMode(gradMode);
        }
    }

    public static double[] toDoubles(NDArray array) {
        float[] values = array.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
