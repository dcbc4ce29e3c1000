package dev.untangle.loss;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;

/**
 * Shared pieces of the losses: input checks, the sigmoid margin function and the assembly of a
 * {@link LossOutput} from the margin form of DESIGN.md section 1 (L = mean_i m(u_i) + R).
 * Loss values are built from DJL ops so they stay differentiable; coefficients are computed in double
 * from the values, outside the graph.
 */
final class LossMath {
    private LossMath() {
    }

    /** What a loss needs from {@link PairLogProbs} besides the policy log-probs. */
    enum Needs { REFERENCE, TOKENS, SCALES }

    /**
     * Checks shapes and presence of the fields a loss reads, naming the loss and the field, and returns B.
     */
    static int checkBatch(String type, PairLogProbs batch, Needs... needs) {
        if (batch == null) {
            throw new IllegalArgumentException("loss " + type + ": batch is null");
        }
        NDArray chosen = require(type, "chosen", batch.chosen());
        if (chosen.getShape().dimension() != 1 || chosen.getShape().get(0) < 1) {
            throw new IllegalArgumentException("loss " + type + ": chosen must have shape (B) with B >= 1, got "
                    + chosen.getShape());
        }
        int size = (int) chosen.getShape().get(0);
        requireShape(type, "rejected", require(type, "rejected", batch.rejected()), size);
        for (Needs need : needs) {
            switch (need) {
                case REFERENCE -> {
                    requireShape(type, "refChosen", require(type, "refChosen", batch.refChosen()), size);
                    requireShape(type, "refRejected", require(type, "refRejected", batch.refRejected()), size);
                }
                case TOKENS -> {
                    requireAtLeastOne(type, "chosenTokens", require(type, "chosenTokens", batch.chosenTokens()), size);
                    requireAtLeastOne(type, "rejectedTokens",
                            require(type, "rejectedTokens", batch.rejectedTokens()), size);
                }
                case SCALES -> {
                    if (batch.chosenScale() != null) {
                        requirePositive(type, "chosenScale", batch.chosenScale(), size);
                    }
                    if (batch.rejectedScale() != null) {
                        requirePositive(type, "rejectedScale", batch.rejectedScale(), size);
                    }
                }
            }
        }
        return size;
    }

    private static NDArray require(String type, String field, NDArray array) {
        if (array == null) {
            throw new IllegalArgumentException("loss " + type + ": PairLogProbs." + field + " is null but this loss needs it");
        }
        return array;
    }

    private static void requireShape(String type, String field, NDArray array, int size) {
        if (array.getShape().dimension() != 1 || array.getShape().get(0) != size) {
            throw new IllegalArgumentException("loss " + type + ": PairLogProbs." + field + " must have shape ("
                    + size + ") like chosen, got " + array.getShape());
        }
    }

    private static void requireAtLeastOne(String type, String field, NDArray array, int size) {
        requireShape(type, field, array, size);
        double[] counts = values(array);
        for (int i = 0; i < counts.length; i++) {
            if (!(counts[i] >= 1)) {
                throw new IllegalArgumentException("loss " + type + ": PairLogProbs." + field + "[" + i
                        + "] must be a token count >= 1, got " + counts[i]);
            }
        }
    }

    private static void requirePositive(String type, String field, NDArray array, int size) {
        requireShape(type, field, array, size);
        double[] scales = values(array);
        for (int i = 0; i < scales.length; i++) {
            if (!(scales[i] > 0) || !Double.isFinite(scales[i])) {
                throw new IllegalArgumentException("loss " + type + ": PairLogProbs." + field + "[" + i
                        + "] must be a finite scale > 0, got " + scales[i]);
            }
        }
    }

    /** The values of a (B) array in double, outside any graph. */
    static double[] values(NDArray array) {
        return array.stopGradient().toType(DataType.FLOAT64, false).toDoubleArray();
    }

    /** A stop-gradient copy of {@code array} in the data type of {@code like} (references, counts, scales). */
    static NDArray constant(NDArray array, NDArray like) {
        return array.stopGradient().toType(like.getDataType(), false);
    }

    /** log sigmoid(u) = -softplus(-u), stable for large |u|. */
    static NDArray logSigmoid(NDArray u) {
        return Activation.softPlus(u.neg()).neg();
    }

    static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /**
     * The sigmoid margin function with TRL's label smoothing eps (conservative DPO):
     * m(u) = -(1-eps)*log sigmoid(u) - eps*log sigmoid(-u), per pair.
     */
    static NDArray sigmoidMargin(NDArray u, double eps) {
        NDArray value = Scalars.times(logSigmoid(u), -(1 - eps));
        return eps == 0 ? value : value.sub(Scalars.times(logSigmoid(u.neg()), eps));
    }

    /** k = -m'(u) of {@link #sigmoidMargin}: (1-eps)*sigmoid(-u) - eps*sigmoid(u). */
    static double sigmoidSlope(double u, double eps) {
        return (1 - eps) * sigmoid(-u) - eps * sigmoid(u);
    }

    static double[] scaled(double[] values, double factor) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i] * factor;
        }
        return out;
    }

    /** beta*(policy - reference) per pair, TRL's logged rewards. */
    static double[] rewards(double beta, double[] policy, double[] reference) {
        double[] out = new double[policy.length];
        for (int i = 0; i < policy.length; i++) {
            out[i] = beta * (policy[i] - reference[i]);
        }
        return out;
    }

    static double[] filled(int size, double value) {
        double[] out = new double[size];
        java.util.Arrays.fill(out, value);
        return out;
    }

    /**
     * Assembles the output of a loss in the pure margin form, L = mean_i m(u_i) - (alpha/B)*sum_i lw_i:
     * then -dL/dlw_i = (k_i*lambda_w,i + alpha)/B and dL/dll_i = k_i*lambda_l,i/B (LossOutput's convention).
     */
    static LossOutput marginForm(NDArray loss, double[] slope, double[] lambdaChosen, double[] lambdaRejected,
                                 double nllAlpha, double[] rewardsChosen, double[] rewardsRejected) {
        int size = slope.length;
        double[] chosenWeight = new double[size];
        double[] rejectedWeight = new double[size];
        for (int i = 0; i < size; i++) {
            chosenWeight[i] = (slope[i] * lambdaChosen[i] + nllAlpha) / size;
            rejectedWeight[i] = slope[i] * lambdaRejected[i] / size;
        }
        return new LossOutput(loss, slope, lambdaChosen, lambdaRejected, nllAlpha, chosenWeight, rejectedWeight,
                rewardsChosen, rewardsRejected);
    }

    /**
     * TRL's NLL on the chosen response: cross-entropy averaged over all chosen tokens of the batch,
     * alpha * sum_i(-lw_i) / sum_j |y_w,j|. In LossOutput's convention R = -(alpha_eff/B)*sum_i lw_i, so the
     * effective per-pair weight is alpha_eff = alpha*B/sum_j |y_w,j| (equal for every pair of the batch).
     */
    static double tokenMeanNllWeight(double alpha, double[] chosenTokens) {
        double total = 0;
        for (double count : chosenTokens) {
            total += count;
        }
        return alpha * chosenTokens.length / total;
    }

    /** The term -(alphaEff/B)*sum_i lw_i as a scalar in the graph of {@code chosen}. */
    static NDArray nllTerm(NDArray chosen, double alphaEff) {
        return Scalars.times(chosen.mean(), -alphaEff);
    }
}
