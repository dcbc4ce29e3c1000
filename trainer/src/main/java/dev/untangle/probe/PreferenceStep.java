package dev.untangle.probe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.loop.GradientAlgebra;
import dev.untangle.loop.Gradients;
import dev.untangle.loop.Optimizer;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.LossOutput;
import dev.untangle.loss.PairLogProbs;
import dev.untangle.loss.PreferenceLoss;
import dev.untangle.model.Gpt;

import java.util.Arrays;
import java.util.Map;

/**
 * One preference-training step, plain or with the entanglement probe (DESIGN.md section 1, batch form).
 *
 * <p>Both kinds run ONE forward of the 2B rows (chosen rows, then rejected rows, padded to one length:
 * {@link TokenBatch#concat}) and ONE backward, like the natural DPO step.
 *
 * <p>Plain step: the backward of the loss; its gradient is the update.
 *
 * <p>Probe step: the forward runs through per-group copies of the parameters ({@link Gpt#forwardGrouped}:
 * chosen rows compute with copy 0, rejected rows with copy 1). The loss is evaluated on the log-prob
 * VALUES to get its per-pair weights a_i = -dL/dlw_i and b_i = dL/dll_i; the backward of
 * sum(a_i*lw_i) + sum(b_i*ll_i) then leaves G_w in copy 0's gradient and G_l in copy 1's, separately,
 * at the cost of one backward. The update applied is the loss's own gradient G_l - G_w. The optimizer
 * returns the applied change d_theta, so the first-order prediction of the change of S_w = sum a_i*lw_i is
 * &lt;G_w, d_theta&gt; whatever the optimizer (DESIGN.md "Optimizer awareness"); the measured change
 * re-scores the batch. Both kinds refuse to apply a non-finite update.
 */
public final class PreferenceStep {
    private final Gpt model;
    private final ParameterStore parameterStore;
    private final Gradients gradients;

    /**
     * How npo's stop-gradient scales s_w, s_l are set on this step (DESIGN.md section 1, Mitigations; the
     * construction that follows from the paper's conditions).
     * <ul>
     * <li>{@code GIVEN}: the scales passed in are used as they are (every loss but npo passes none).
     * <li>{@code BATCH}: npo's batch form on a probe step: after the backward, G_w and G_l are rescaled to
     * the norms they would have had if the scales had been this step's own batch norms,
     * s = ||sum_i k_i g^i|| / sum_i k_i, i.e. both to s_old * sum_i a_i (resp. sum_i b_i), so
     * ||G_w|| = ||G_l|| and, to first order, chosen rises and rejected falls whenever cos(G_w, G_l) &lt; 1.
     * The slopes k_i still come from the scales passed in (a stop-gradient weight). Without it the scales
     * of the previous probe step are used as they are, which on real batches of different pairs mismatches
     * the two norms (measured on HH: 15% ideal steps).
     * <li>{@code PER_PAIR}: npo's exact per-pair form: every sequence is its own group in the grouped pass
     * (2B groups), so one backward gives every g_w^i and g_l^i; the scales are their norms
     * s_w^i = ||g_w^i|| + eps, the loss is evaluated with them, and G_w = sum_i a_i g_w^i, G_l = sum_i b_i
     * g_l^i. Every such step is a probe step; it holds 2B copies of the parameters and their gradients
     * (memory 2B times the model's, against 2 for the batch form).
     * </ul>
     */
    public enum Scales { GIVEN, BATCH, PER_PAIR }

    /** Per-step inputs; reference arrays null for reference-free losses, scales null unless npo. */
    public record Inputs(TokenBatch chosen, TokenBatch rejected, double[] refChosen, double[] refRejected,
                         double[] chosenScale, double[] rejectedScale, Scales scales) {
        public Inputs(TokenBatch chosen, TokenBatch rejected, double[] refChosen, double[] refRejected,
                      double[] chosenScale, double[] rejectedScale) {
            this(chosen, rejected, refChosen, refRejected, chosenScale, rejectedScale, Scales.GIVEN);
        }

        Inputs withScales(double[] chosenScales, double[] rejectedScales) {
            return new Inputs(chosen, rejected, refChosen, refRejected, chosenScales, rejectedScales, scales);
        }
    }

    /** Added to per-pair gradient norms so a sequence without a gradient (no response token) divides by eps. */
    public static final double NORM_EPS = 1e-8;

    public PreferenceStep(Gpt model, ParameterStore parameterStore) {
        this.model = model;
        this.parameterStore = parameterStore;
        this.gradients = new Gradients(model);
    }

    public StepOutcome run(PreferenceLoss loss, Optimizer optimizer, double lr, Inputs in, boolean probe,
                           boolean measure, boolean extras, NDManager step) {
        long start = System.nanoTime();
        int batch = in.chosen().size();
        if (in.rejected().size() != batch) {
            throw new IllegalArgumentException("chosen and rejected batches differ in size: " + batch + " vs "
                    + in.rejected().size());
        }
        TokenBatch both = TokenBatch.concat(in.chosen(), in.rejected());
        boolean perPair = in.scales() == Scales.PER_PAIR;
        boolean grouped = probe || perPair;
        double[] lw;
        double[] ll;
        LossOutput out;
        GroupGradients grads = null;
        double[] cw = null; // G_w = sum_g cw_g * grad_g
        double[] cl = null; // G_l = sum_g cl_g * grad_g
        Map<String, NDArray> lossGradient;
        Scorer.Scored scored;
        long probeNanos = 0; // work a plain step does not do: Gram, predictions, extras, re-scoring
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Map<String, NDArray> leaves = grouped ? model.groupedLeaves(step, perPair ? 2 * batch : 2) : null;
            scored = grouped ? Scorer.scoreGrouped(model, leaves, both) : Scorer.score(model, parameterStore, both, true);
            double[] sums = Scorer.toDoubles(scored.sums());
            lw = Arrays.copyOfRange(sums, 0, batch);
            ll = Arrays.copyOfRange(sums, batch, 2 * batch);
            if (perPair) {
                // Unit weights: group r's gradient is the gradient of row r's log-prob sum alone.
                collector.backward(scored.sums().sum());
                long algebraStart = System.nanoTime();
                grads = GroupGradients.of(leaves);
                probeNanos += System.nanoTime() - algebraStart;
                double[] norms = grads.norms();
                double[] sw = new double[batch];
                double[] sl = new double[batch];
                for (int i = 0; i < batch; i++) {
                    sw[i] = norms[i] + NORM_EPS;
                    sl[i] = norms[batch + i] + NORM_EPS;
                }
                out = loss.compute(constants(in.withScales(sw, sl), lw, ll, step));
                cw = new double[2 * batch];
                cl = new double[2 * batch];
                for (int i = 0; i < batch; i++) {
                    cw[i] = out.chosenWeight()[i];
                    cl[batch + i] = out.rejectedWeight()[i];
                }
            } else if (probe) {
                out = loss.compute(constants(in, lw, ll, step));
                double[] weights = new double[2 * batch];
                System.arraycopy(out.chosenWeight(), 0, weights, 0, batch);
                System.arraycopy(out.rejectedWeight(), 0, weights, batch, batch);
                collector.backward(scored.sums().mul(step.create(weights).toType(scored.sums().getDataType(), false)).sum());
                long algebraStart = System.nanoTime();
                grads = GroupGradients.of(leaves);
                probeNanos += System.nanoTime() - algebraStart;
                cw = new double[] {1, 0};
                cl = new double[] {0, 1};
            } else {
                NDArray sumsChosen = scored.sums().get(new NDIndex("0:{}", batch));
                NDArray sumsRejected = scored.sums().get(new NDIndex("{}:", batch));
                out = loss.compute(withGraph(in, sumsChosen, sumsRejected, step));
                collector.backward(out.loss());
            }
        }
        try {
            double rawNormChosen = Double.NaN;
            double rawNormRejected = Double.NaN;
            double ip = Double.NaN;
            double normChosen = Double.NaN;
            double normRejected = Double.NaN;
            double[] chosenWeights = out.chosenWeight().clone();
            double[] rejectedWeights = out.rejectedWeight().clone();
            double gradNorm;
            if (grads != null) {
                rawNormChosen = Math.sqrt(grads.quadratic(cw, cw));
                rawNormRejected = Math.sqrt(grads.quadratic(cl, cl));
                // Only when both weight sums are positive: with label smoothing the slopes k_i can be negative
                // (u beyond ln((1-eps)/eps)), and a factor <= 0 would flip or zero the update.
                if (in.scales() == Scales.BATCH && in.chosenScale() != null && in.rejectedScale() != null
                        && sum(chosenWeights) > 0 && sum(rejectedWeights) > 0) {
                    double fw = in.chosenScale()[0] * sum(chosenWeights) / rawNormChosen;
                    double fl = in.rejectedScale()[0] * sum(rejectedWeights) / rawNormRejected;
                    if (Double.isFinite(fw) && Double.isFinite(fl)) {
                        scale(cw, fw);
                        scale(cl, fl);
                        scale(chosenWeights, fw);
                        scale(rejectedWeights, fl);
                    }
                }
                normChosen = Math.sqrt(grads.quadratic(cw, cw));
                normRejected = Math.sqrt(grads.quadratic(cl, cl));
                ip = grads.quadratic(cw, cl);
                double[] update = new double[cw.length]; // the loss gradient G_l - G_w
                for (int g = 0; g < update.length; g++) {
                    update[g] = cl[g] - cw[g];
                }
                lossGradient = grads.combine(update);
                // ||G_l - G_w|| from the Gram matrix: no further pass over the parameters.
                gradNorm = Math.sqrt(Math.max(0, grads.quadratic(update, update)));
                if (!Double.isFinite(ip) || !Double.isFinite(normChosen) || !Double.isFinite(normRejected)) {
                    gradNorm = Double.NaN;
                }
            } else {
                lossGradient = gradients.take(step);
                gradNorm = Math.sqrt(GradientAlgebra.normSquared(lossGradient));
            }
            double lossValue = out.loss().toType(DataType.FLOAT64, false).getDouble();
            String skip = null;
            if (!Double.isFinite(lossValue)) {
                skip = "non-finite loss";
            } else if (!Double.isFinite(gradNorm)) {
                skip = "non-finite gradient";
            }
            double predictedChosen = Double.NaN;
            double predictedRejected = Double.NaN;
            if (skip == null) {
                Map<String, NDArray> applied = optimizer.step(gradients.parameterArrays(), lossGradient, lr, step);
                if (grads != null) {
                    long algebraStart = System.nanoTime();
                    double[] perGroup = grads.dot(applied);
                    predictedChosen = GroupGradients.dot(cw, perGroup);
                    predictedRejected = GroupGradients.dot(cl, perGroup);
                    probeNanos += System.nanoTime() - algebraStart;
                }
            }
            long diagnosticsStart = System.nanoTime();
            double ches = Double.NaN;
            double entropy = Double.NaN;
            double headInner = Double.NaN;
            if (extras && grouped) {
                Scorer.Scored c = scored.rows(0, batch);
                Scorer.Scored r = scored.rows(batch, 2L * batch);
                TokenBatch cb = both.rows(0, batch);
                TokenBatch rb = both.rows(batch, 2 * batch);
                ches = Extras.ches(c, r, cb, rb);
                entropy = Extras.responseEntropy(c, r, cb, rb);
                headInner = Extras.headInnerProduct(c, r, cb, rb, chosenWeights, rejectedWeights);
            }
            double measuredChosen = Double.NaN;
            double measuredRejected = Double.NaN;
            double meanDeltaChosen = Double.NaN;
            double meanDeltaRejected = Double.NaN;
            if (skip == null && measure) {
                double[] after = Scorer.scoreNoGrad(model, parameterStore, both);
                double[] lwAfter = Arrays.copyOfRange(after, 0, batch);
                double[] llAfter = Arrays.copyOfRange(after, batch, 2 * batch);
                measuredChosen = weightedChange(chosenWeights, lw, lwAfter);
                measuredRejected = weightedChange(rejectedWeights, ll, llAfter);
                meanDeltaChosen = meanChange(lw, lwAfter);
                meanDeltaRejected = meanChange(ll, llAfter);
            }
            long diagnosticNanos = System.nanoTime() - diagnosticsStart;
            probeNanos += diagnosticNanos;
            long tokens = in.chosen().tokens() + in.rejected().tokens();
            return new StepOutcome(lossValue, lw, ll, out.rewardsChosen(), out.rewardsRejected(), out.nllAlpha(),
                    Arrays.stream(out.slope()).sum(),
                    grouped, ip, normChosen, normRejected, predictedChosen, predictedRejected, measuredChosen,
                    measuredRejected, meanDeltaChosen, meanDeltaRejected, ches, entropy, gradNorm, skip == null, skip,
                    probeNanos / 1e9, (System.nanoTime() - start) / 1e9, tokens, rawNormChosen, rawNormRejected, headInner,
                    diagnosticNanos / 1e9);
        } finally {
            if (grads != null) {
                grads.close();
            }
        }
    }

    private static double sum(double[] values) {
        double total = 0;
        for (double v : values) {
            total += v;
        }
        return total;
    }

    /** Multiplies weights (in place) by {@code factor}. */
    private static void scale(double[] weights, double factor) {
        for (int i = 0; i < weights.length; i++) {
            weights[i] *= factor;
        }
    }

    private static PairLogProbs constants(Inputs in, double[] lw, double[] ll, NDManager m) {
        return new PairLogProbs(m.create(toFloats(lw)), m.create(toFloats(ll)), array(m, in.refChosen()),
                array(m, in.refRejected()), in.chosen().tokenCounts(), in.rejected().tokenCounts(),
                array(m, in.chosenScale()), array(m, in.rejectedScale()));
    }

    private static PairLogProbs withGraph(Inputs in, NDArray lw, NDArray ll, NDManager m) {
        return new PairLogProbs(lw, ll, array(m, in.refChosen()), array(m, in.refRejected()),
                in.chosen().tokenCounts(), in.rejected().tokenCounts(), array(m, in.chosenScale()),
                array(m, in.rejectedScale()));
    }

    private static NDArray array(NDManager m, double[] values) {
        return values == null ? null : m.create(toFloats(values));
    }

    static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    private static double weightedChange(double[] weights, double[] before, double[] after) {
        double sum = 0;
        for (int i = 0; i < before.length; i++) {
            sum += weights[i] * (after[i] - before[i]);
        }
        return sum;
    }

    private static double meanChange(double[] before, double[] after) {
        double sum = 0;
        for (int i = 0; i < before.length; i++) {
            sum += after[i] - before[i];
        }
        return sum / before.length;
    }
}
