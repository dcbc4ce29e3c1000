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
     * Per-step inputs; reference arrays null for reference-free losses, scales null unless npo.
     * {@code normalizeInStep} (npo batch form, probe steps only): after the backward, G_w and G_l
     * are rescaled to the norms they would have had if the stop-gradient scales had been this step's own
     * batch norms, s = ||sum_i k_i g^i|| / sum_i k_i (DESIGN.md section 1 Mitigations), i.e. both to
     * s_old * sum_i a_i (resp. sum_i b_i), so ||G_w|| = ||G_l|| and, to first order, chosen rises and
     * rejected falls whenever cos(G_w, G_l) &lt; 1. The slopes k_i still come from the scales passed in (a
     * stop-gradient weight). Without it the scales of the previous probe step are used as they are, which
     * on real batches of different pairs mismatches the two norms (measured on HH: 15% ideal steps).
     */
    public record Inputs(TokenBatch chosen, TokenBatch rejected, double[] refChosen, double[] refRejected,
                         double[] chosenScale, double[] rejectedScale, boolean normalizeInStep) {
        public Inputs(TokenBatch chosen, TokenBatch rejected, double[] refChosen, double[] refRejected,
                      double[] chosenScale, double[] rejectedScale) {
            this(chosen, rejected, refChosen, refRejected, chosenScale, rejectedScale, false);
        }
    }

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
        double[] lw;
        double[] ll;
        LossOutput out;
        GradientPair pair = null;
        Map<String, NDArray> lossGradient;
        Scorer.Scored scored;
        double[] chosenWeights = null;
        double[] rejectedWeights = null;
        double factorChosen = 1;
        double factorRejected = 1;
        long probeNanos = 0; // work a plain step does not do: Gram, predictions, extras, re-scoring
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Map<String, NDArray> leaves = probe ? model.groupedLeaves(step, 2) : null;
            scored = probe ? Scorer.scoreGrouped(model, leaves, both) : Scorer.score(model, parameterStore, both, true);
            NDArray sumsChosen = scored.sums().get(new NDIndex("0:{}", batch));
            NDArray sumsRejected = scored.sums().get(new NDIndex("{}:", batch));
            double[] sums = Scorer.toDoubles(scored.sums());
            lw = Arrays.copyOfRange(sums, 0, batch);
            ll = Arrays.copyOfRange(sums, batch, 2 * batch);
            if (probe) {
                out = loss.compute(constants(in, lw, ll, step));
                chosenWeights = out.chosenWeight().clone();
                rejectedWeights = out.rejectedWeight().clone();
                double[] weights = new double[2 * batch];
                System.arraycopy(chosenWeights, 0, weights, 0, batch);
                System.arraycopy(rejectedWeights, 0, weights, batch, batch);
                collector.backward(scored.sums().mul(step.create(toFloats(weights))
                        .toType(scored.sums().getDataType(), false)).sum());
                long algebraStart = System.nanoTime();
                pair = GradientPair.of(leaves);
                probeNanos += System.nanoTime() - algebraStart;
            } else {
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
            double gradNorm;
            if (probe) {
                rawNormChosen = Math.sqrt(pair.normSquaredChosen());
                rawNormRejected = Math.sqrt(pair.normSquaredRejected());
                if (in.normalizeInStep() && in.chosenScale() != null && in.rejectedScale() != null) {
                    double fw = in.chosenScale()[0] * sum(chosenWeights) / rawNormChosen;
                    double fl = in.rejectedScale()[0] * sum(rejectedWeights) / rawNormRejected;
                    if (Double.isFinite(fw) && Double.isFinite(fl)) {
                        factorChosen = fw;
                        factorRejected = fl;
                        scale(chosenWeights, fw);
                        scale(rejectedWeights, fl);
                    }
                }
                normChosen = factorChosen * rawNormChosen;
                normRejected = factorRejected * rawNormRejected;
                ip = factorChosen * factorRejected * pair.innerProduct();
                lossGradient = pair.lossGradient(factorChosen, factorRejected);
                // ||G_l - G_w||^2 from the Gram entries: no further pass over the parameters.
                gradNorm = Math.sqrt(Math.max(0, normChosen * normChosen + normRejected * normRejected - 2 * ip));
                if (Double.isNaN(ip) || Double.isInfinite(normChosen) || Double.isInfinite(normRejected)) {
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
                if (probe) {
                    long algebraStart = System.nanoTime();
                    double[] predicted = pair.dot(applied);
                    probeNanos += System.nanoTime() - algebraStart;
                    predictedChosen = factorChosen * predicted[0];
                    predictedRejected = factorRejected * predicted[1];
                }
            }
            long diagnosticsStart = System.nanoTime();
            double ches = Double.NaN;
            double entropy = Double.NaN;
            if (extras && probe) {
                Scorer.Scored c = scored.rows(0, batch);
                Scorer.Scored r = scored.rows(batch, 2L * batch);
                TokenBatch cb = both.rows(0, batch);
                TokenBatch rb = both.rows(batch, 2 * batch);
                ches = Extras.ches(c, r, cb, rb);
                entropy = Extras.responseEntropy(c, r, cb, rb);
            }
            double measuredChosen = Double.NaN;
            double measuredRejected = Double.NaN;
            double meanDeltaChosen = Double.NaN;
            double meanDeltaRejected = Double.NaN;
            if (skip == null && measure) {
                double[] after = Scorer.scoreNoGrad(model, parameterStore, both);
                double[] lwAfter = Arrays.copyOfRange(after, 0, batch);
                double[] llAfter = Arrays.copyOfRange(after, batch, 2 * batch);
                measuredChosen = weightedChange(probe ? chosenWeights : out.chosenWeight(), lw, lwAfter);
                measuredRejected = weightedChange(probe ? rejectedWeights : out.rejectedWeight(), ll, llAfter);
                meanDeltaChosen = meanChange(lw, lwAfter);
                meanDeltaRejected = meanChange(ll, llAfter);
            }
            probeNanos += System.nanoTime() - diagnosticsStart;
            long tokens = in.chosen().tokens() + in.rejected().tokens();
            return new StepOutcome(lossValue, lw, ll, out.rewardsChosen(), out.rewardsRejected(), out.nllAlpha(),
                    Arrays.stream(out.slope()).sum(),
                    probe, ip, normChosen, normRejected, predictedChosen, predictedRejected, measuredChosen,
                    measuredRejected, meanDeltaChosen, meanDeltaRejected, ches, entropy, gradNorm, skip == null, skip,
                    probeNanos / 1e9, (System.nanoTime() - start) / 1e9, tokens, rawNormChosen, rawNormRejected);
        } finally {
            if (pair != null) {
                pair.close();
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

    /** Multiplies the per-pair weights (in place) by {@code factor}, as their gradient is scaled. */
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
