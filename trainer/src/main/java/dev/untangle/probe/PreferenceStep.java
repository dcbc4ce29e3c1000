package dev.untangle.probe;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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
import dev.untangle.model.Gpt;
import dev.untangle.model.TokenLogProbs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One preference-training step, plain or with the entanglement probe (DESIGN.md section 1, batch form).
 *
 * <p>Plain step: the natural DPO step, one forward of the 2B rows (chosen then rejected, padded to one
 * length) and one backward of the loss.
 *
 * <p>Probe step: the same single forward and single backward of the 2B rows, but through per-group
 * copies of the parameters ({@link GroupedForward}), so the backward of sum(a_i*lw_i) + sum(b_i*ll_i),
 * with the loss's per-pair weights a_i = -dL/dlw_i and b_i = dL/dll_i evaluated on the log-prob VALUES,
 * yields G_w and G_l apart. The update applied is the loss's own gradient G_l - G_w (the descent
 * direction G_w - G_l; PreferenceStepTest checks it equals the plain step's update). The optimizer returns
 * the applied change d_theta, so the first-order prediction of the change of S_w = sum a_i*lw_i is
 * &lt;G_w, d_theta&gt; whatever the optimizer (DESIGN.md "Optimizer awareness"); the measured change
 * re-scores the batch. A block other than our Gpt falls back to separate chosen and rejected forwards and
 * two backward passes. Measured costs: bench/RESULTS.md.
 *
 * <p>Both refuse to apply a non-finite update.
 */
public final class PreferenceStep {
    private final Block model;
    private final ParameterStore parameterStore;
    private final Gradients gradients;
    /** The single-pass probe for our GPT; null for other blocks, which take two forwards and two backwards. */
    private final GroupedForward grouped;

    /** Per-step inputs; reference arrays null for reference-free losses, scales null unless npo. */
    public record Inputs(TokenBatch chosen, TokenBatch rejected, double[] refChosen, double[] refRejected,
                         double[] chosenScale, double[] rejectedScale) {
    }

    public PreferenceStep(Block model, ParameterStore parameterStore) {
        this.model = model;
        this.parameterStore = parameterStore;
        this.gradients = new Gradients(model);
        this.grouped = model instanceof Gpt gpt ? new GroupedForward(gpt.config(), gpt.parametersByName()) : null;
    }

    /** Rows [from, to) of a grouped result, cut back to the side's own padded length (for the extras). */
    private static Scorer.Scored rows(Scorer.Scored s, int from, int to, TokenBatch side) {
        long length = side.inputIds().getShape().get(1);
        return new Scorer.Scored(s.sums().get(new NDIndex("{}:{}", from, to)),
                s.tokenLogProbs().get(new NDIndex("{}:{}, :{}", from, to, length)),
                s.logits().get(new NDIndex("{}:{}, :{}, :", from, to, length)),
                s.hidden().get(new NDIndex("{}:{}, :{}, :", from, to, length)));
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
        Map<String, NDArray> leaves = probe && grouped != null ? grouped.leaves(step) : null;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            if (!probe && !extras) {
                // The natural plain DPO step: ONE forward of the 2B rows (chosen then rejected, padded to a
                // common length) and one backward of the loss. It is the baseline the probe is measured
                // against (bench/RESULTS.md), so it must not carry the probe's split.
                Scorer.Scored both = Scorer.score(model, parameterStore, stacked(in.chosen(), in.rejected()), true);
                NDArray chosenSums = both.sums().get(new NDIndex("0:{}", batch));
                NDArray rejectedSums = both.sums().get(new NDIndex("{}:", batch));
                lw = Scorer.toDoubles(chosenSums);
                ll = Scorer.toDoubles(rejectedSums);
                out = loss.compute(withGraph(in, chosenSums, rejectedSums, step));
                collector.backward(out.loss());
                lossGradient = gradients.take(step);
            } else if (probe && grouped != null) {
                // One forward and one backward of the 2B rows through per-group parameter copies gives G_w
                // and G_l separately (GroupedForward); the loss weights come from the log-prob values.
                TokenBatch both = stacked(in.chosen(), in.rejected());
                NDList outputs = grouped.forward(leaves, both.inputIds());
                NDArray tokenLogProbs = TokenLogProbs.of(outputs.get(0), both.targets());
                NDArray sums = TokenLogProbs.sequenceSum(tokenLogProbs, both.mask());
                lw = Scorer.toDoubles(sums.get(new NDIndex("0:{}", batch)));
                ll = Scorer.toDoubles(sums.get(new NDIndex("{}:", batch)));
                out = loss.compute(constants(in, lw, ll, step));
                double[] weights = new double[2 * batch];
                System.arraycopy(out.chosenWeight(), 0, weights, 0, batch);
                System.arraycopy(out.rejectedWeight(), 0, weights, batch, batch);
                collector.backward(sums.mul(step.create(toFloats(weights))).sum());
                Map<String, NDArray>[] split = GroupedForward.gradients(leaves, step);
                gradChosen = split[0];
                gradRejected = split[1];
                lossGradient = new LinkedHashMap<>();
                for (String name : gradChosen.keySet()) {
                    lossGradient.put(name, gradRejected.get(name).sub(gradChosen.get(name)));
                }
                if (extras) {
                    Scorer.Scored scored = new Scorer.Scored(sums, tokenLogProbs, outputs.get(0), outputs.get(1));
                    Scorer.Scored c = rows(scored, 0, batch, in.chosen());
                    Scorer.Scored r = rows(scored, batch, 2 * batch, in.rejected());
                    ches = Extras.ches(c, r, in.chosen(), in.rejected());
                    entropy = Extras.responseEntropy(c, r, in.chosen(), in.rejected());
                }
            } else {
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
                }
            }
        }
        return finish(loss, optimizer, lr, in, probe, measure, step, start, lw, ll, out, gradChosen, gradRejected,
                lossGradient, ches, entropy);
    }

    private StepOutcome finish(PreferenceLoss loss, Optimizer optimizer, double lr, Inputs in, boolean probe,
                               boolean measure, NDManager step, long start, double[] lw, double[] ll, LossOutput out,
                               Map<String, NDArray> gradChosen, Map<String, NDArray> gradRejected,
                               Map<String, NDArray> lossGradient, double ches, double entropy) {
        double lossValue = out.loss().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
        double ip = Double.NaN;
        double normChosen = Double.NaN;
        double normRejected = Double.NaN;
        PairAlgebra pair = probe ? new PairAlgebra(gradChosen, gradRejected, step) : null;
        if (probe) {
            ip = pair.innerProduct;
            normChosen = Math.sqrt(pair.chosenSquared);
            normRejected = Math.sqrt(pair.rejectedSquared);
        }
        double gradNorm = Math.sqrt(probe ? pair.differenceSquared() : GradientAlgebra.normSquared(lossGradient));
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
                double[] predicted = pair.dotsWith(applied);
                predictedChosen = predicted[0];
                predictedRejected = predicted[1];
            }
            if (measure) {
                double[] lwAfter = Scorer.scoreNoGrad(model, parameterStore, in.chosen());
                double[] llAfter = Scorer.scoreNoGrad(model, parameterStore, in.rejected());
                measuredChosen = weightedChange(out.chosenWeight(), lw, lwAfter);
                measuredRejected = weightedChange(out.rejectedWeight(), ll, llAfter);
                meanDeltaChosen = meanChange(lw, lwAfter);
                meanDeltaRejected = meanChange(ll, llAfter);
            }
        }
        long tokens = in.chosen().tokens() + in.rejected().tokens();
        return new StepOutcome(lossValue, lw, ll, out.rewardsChosen(), out.rewardsRejected(), out.nllAlpha(),
                java.util.Arrays.stream(out.slope()).sum(),
                probe, ip, normChosen, normRejected, predictedChosen, predictedRejected, measuredChosen,
                measuredRejected, meanDeltaChosen, meanDeltaRejected, ches, entropy, gradNorm, skip == null, skip,
                probeSeconds, (System.nanoTime() - start) / 1e9, tokens);
    }

    /**
     * Chosen rows then rejected rows as one (2B,T) batch, the shorter side right-padded with zeros (a zero
     * mask scores nothing, and right padding needs no key mask under the causal mask: notes/djl.md).
     */
    static TokenBatch stacked(TokenBatch chosen, TokenBatch rejected) {
        long length = Math.max(chosen.inputIds().getShape().get(1), rejected.inputIds().getShape().get(1));
        return new TokenBatch(
                padRight(chosen.inputIds(), length).concat(padRight(rejected.inputIds(), length), 0),
                padRight(chosen.targets(), length).concat(padRight(rejected.targets(), length), 0),
                padRight(chosen.mask(), length).concat(padRight(rejected.mask(), length), 0),
                chosen.tokenCounts().concat(rejected.tokenCounts(), 0));
    }

    private static NDArray padRight(NDArray rows, long length) {
        long have = rows.getShape().get(1);
        if (have == length) {
            return rows;
        }
        NDArray zeros = rows.getManager().zeros(new ai.djl.ndarray.types.Shape(rows.getShape().get(0), length - have),
                rows.getDataType(), rows.getDevice());
        return rows.concat(zeros, 1);
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
