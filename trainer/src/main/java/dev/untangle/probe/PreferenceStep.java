package dev.untangle.probe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
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

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One preference-training step, plain or with the entanglement probe (DESIGN.md section 1, batch form).
 *
 * <p>Probe step: separate forwards for the chosen and the rejected batch; the loss is evaluated on the
 * log-prob VALUES to get its per-pair weights a_i = -dL/dlw_i and b_i = dL/dll_i; one backward of
 * sum(a_i*lw_i) gives G_w, one of sum(b_i*ll_i) gives G_l; the update applied is the loss's own
 * gradient G_l - G_w (the descent direction G_w - G_l). The optimizer returns the applied change
 * d_theta, so the first-order prediction of the change of S_w = sum a_i*lw_i is &lt;G_w, d_theta&gt;
 * whatever the optimizer (DESIGN.md "Optimizer awareness"); the measured change re-scores the batch.
 *
 * <p>Plain step: the same forwards, one backward of the loss. Both refuse to apply a non-finite update.
 */
public final class PreferenceStep {
    private final Block model;
    private final ParameterStore parameterStore;
    private final Gradients gradients;

    /**
     * Per-step inputs; reference arrays null for reference-free losses, scales null unless npo.
     * {@code normalizeInStep} (npo batch form, probe steps only): after the two backward passes, G_w and G_l
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

    public PreferenceStep(Block model, ParameterStore parameterStore) {
        this.model = model;
        this.parameterStore = parameterStore;
        this.gradients = new Gradients(model);
    }

    public StepOutcome run(PreferenceLoss loss, Optimizer optimizer, double lr, Inputs in, boolean probe,
                           boolean measure, boolean extras, NDManager step) {
        long start = System.nanoTime();
        int batch = in.chosen().size();
        double[] lw;
        double[] ll;
        LossOutput out;
        Map<String, NDArray> gradChosen = null;
        Map<String, NDArray> gradRejected = null;
        Map<String, NDArray> lossGradient;
        double ches = Double.NaN;
        double entropy = Double.NaN;
        double headInner = Double.NaN;
        double[] chosenWeights = null;
        double[] rejectedWeights = null;
        double rawNormChosen = Double.NaN;
        double rawNormRejected = Double.NaN;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            Scorer.Scored c = Scorer.score(model, parameterStore, in.chosen(), true);
            Scorer.Scored r = Scorer.score(model, parameterStore, in.rejected(), true);
            lw = Scorer.toDoubles(c.sums());
            ll = Scorer.toDoubles(r.sums());
            if (probe) {
                out = loss.compute(constants(in, lw, ll, step));
                collector.backward(c.sums().mul(step.create(toFloats(out.chosenWeight()))).sum());
                gradChosen = gradients.take(step);
                collector.backward(r.sums().mul(step.create(toFloats(out.rejectedWeight()))).sum());
                gradRejected = gradients.take(step);
                chosenWeights = out.chosenWeight().clone();
                rejectedWeights = out.rejectedWeight().clone();
                rawNormChosen = Math.sqrt(GradientAlgebra.normSquared(gradChosen));
                rawNormRejected = Math.sqrt(GradientAlgebra.normSquared(gradRejected));
                if (in.normalizeInStep() && in.chosenScale() != null && in.rejectedScale() != null) {
                    double factorChosen = in.chosenScale()[0] * sum(chosenWeights) / rawNormChosen;
                    double factorRejected = in.rejectedScale()[0] * sum(rejectedWeights) / rawNormRejected;
                    if (Double.isFinite(factorChosen) && Double.isFinite(factorRejected)) {
                        scale(gradChosen, factorChosen, chosenWeights);
                        scale(gradRejected, factorRejected, rejectedWeights);
                    }
                }
                lossGradient = new LinkedHashMap<>();
                for (String name : gradChosen.keySet()) {
                    lossGradient.put(name, gradRejected.get(name).sub(gradChosen.get(name)));
                }
            } else {
                out = loss.compute(withGraph(in, c.sums(), r.sums(), step));
                collector.backward(out.loss());
                lossGradient = gradients.take(step);
            }
            if (extras) {
                ches = Extras.ches(c, r, in.chosen(), in.rejected());
                entropy = Extras.responseEntropy(c, r, in.chosen(), in.rejected());
                headInner = probe ? Extras.headInnerProduct(c, r, in.chosen(), in.rejected(), chosenWeights, rejectedWeights) : Double.NaN;
            }
        }
        double lossValue = out.loss().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
        double ip = Double.NaN;
        double normChosen = Double.NaN;
        double normRejected = Double.NaN;
        if (probe) {
            ip = GradientAlgebra.dot(gradChosen, gradRejected);
            normChosen = Math.sqrt(GradientAlgebra.normSquared(gradChosen));
            normRejected = Math.sqrt(GradientAlgebra.normSquared(gradRejected));
        }
        double gradNorm = Math.sqrt(GradientAlgebra.normSquared(lossGradient));
        double probeSeconds = probe ? (System.nanoTime() - start) / 1e9 : 0;

        String skip = null;
        if (!Double.isFinite(lossValue)) {
            skip = "non-finite loss";
        } else if (!Double.isFinite(gradNorm)) {
            skip = "non-finite gradient";
        }
        double predictedChosen = Double.NaN;
        double predictedRejected = Double.NaN;
        double measuredChosen = Double.NaN;
        double measuredRejected = Double.NaN;
        double meanDeltaChosen = Double.NaN;
        double meanDeltaRejected = Double.NaN;
        if (skip == null) {
            Map<String, NDArray> applied = optimizer.step(gradients.parameterArrays(), lossGradient, lr, step);
            if (probe) {
                predictedChosen = GradientAlgebra.dot(gradChosen, applied);
                predictedRejected = GradientAlgebra.dot(gradRejected, applied);
            }
            if (measure) {
                double[] lwAfter = Scorer.scoreNoGrad(model, parameterStore, in.chosen());
                double[] llAfter = Scorer.scoreNoGrad(model, parameterStore, in.rejected());
                measuredChosen = weightedChange(probe ? chosenWeights : out.chosenWeight(), lw, lwAfter);
                measuredRejected = weightedChange(probe ? rejectedWeights : out.rejectedWeight(), ll, llAfter);
                meanDeltaChosen = meanChange(lw, lwAfter);
                meanDeltaRejected = meanChange(ll, llAfter);
            }
        }
        long tokens = in.chosen().tokens() + in.rejected().tokens();
        return new StepOutcome(lossValue, lw, ll, out.rewardsChosen(), out.rewardsRejected(), out.nllAlpha(),
                java.util.Arrays.stream(out.slope()).sum(),
                probe, ip, normChosen, normRejected, predictedChosen, predictedRejected, measuredChosen,
                measuredRejected, meanDeltaChosen, meanDeltaRejected, ches, entropy, gradNorm, skip == null, skip,
                probeSeconds, (System.nanoTime() - start) / 1e9, tokens, rawNormChosen, rawNormRejected, headInner);
    }

    private static double sum(double[] values) {
        double total = 0;
        for (double v : values) {
            total += v;
        }
        return total;
    }

    /** Multiplies a gradient (in place) and the per-pair weights that produced it by {@code factor}. */
    private static void scale(Map<String, NDArray> gradient, double factor, double[] weights) {
        for (NDArray g : gradient.values()) {
            g.muli(factor);
        }
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
