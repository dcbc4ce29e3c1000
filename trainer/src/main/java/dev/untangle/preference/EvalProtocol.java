package dev.untangle.preference;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.CaseTally;
import dev.untangle.loss.EntanglementConditions;
import dev.untangle.loss.LossOutput;
import dev.untangle.loss.PairLogProbs;
import dev.untangle.loss.PreferenceLoss;
import dev.untangle.model.Gpt;
import dev.untangle.probe.GroupGradients;
import dev.untangle.probe.PreferenceStep;
import dev.untangle.tokenizer.TextTokenizer;
import dev.untangle.wire.EvalEvent;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The paper's evaluation protocol on a fixed eval subset: per pair, the gradients g_w = grad lw and
 * g_l = grad ll (one grouped forward and one backward per pair, as the probe), their inner product, norms and cosine, the
 * pair's case under the loss's own coefficients (DESIGN.md section 1 conditions with lambda_w, lambda_l
 * of that pair), and the eval mean log-probs. Parameters are left untouched (the gradients land on per-step
 * copies).
 */
final class EvalProtocol {
    private final Gpt policy;
    private final Gpt reference;
    private final ParameterStore referenceParameters;
    private final TextTokenizer tokenizer;
    private final NDManager root;
    private static final double[] CHOSEN = {1, 0};
    private static final double[] REJECTED = {0, 1};

    EvalProtocol(Gpt policy, Gpt reference, ParameterStore referenceParameters,
                 TextTokenizer tokenizer, NDManager root) {
        this.policy = policy;
        this.reference = reference;
        this.referenceParameters = referenceParameters;
        this.tokenizer = tokenizer;
        this.root = root;
    }

    EvalEvent run(String runId, long step, PreferenceLoss loss, List<EncodedPair> pairs) {
        double sumLw = 0;
        double sumLl = 0;
        double sumCos = 0;
        int cosCount = 0;
        double sumIp = 0;
        double sumNw = 0;
        double sumNl = 0;
        CaseTally cases = new CaseTally();
        int pad = tokenizer.endOfTextId();
        for (EncodedPair pair : pairs) {
            try (NDManager m = root.newSubManager()) {
                TokenBatch c = Batches.chosen(List.of(pair), pad, m);
                TokenBatch r = Batches.rejected(List.of(pair), pad, m);
                // One forward of the pair's two rows through per-group parameter copies and one backward of
                // lw + ll: copy 0's gradient is g_w, copy 1's is g_l (probe.GroupGradients, as the probe).
                Map<String, NDArray> leaves = policy.groupedLeaves(m, 2);
                double[] sums;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    Scorer.Scored s = Scorer.scoreGrouped(policy, leaves, TokenBatch.concat(c, r));
                    sums = Scorer.toDoubles(s.sums());
                    collector.backward(s.sums().sum());
                }
                double lw = sums[0];
                double ll = sums[1];
                double ip;
                double nw;
                double nl;
                try (GroupGradients g = GroupGradients.of(leaves)) {
                    ip = g.quadratic(CHOSEN, REJECTED);
                    nw = Math.sqrt(g.quadratic(CHOSEN, CHOSEN));
                    nl = Math.sqrt(g.quadratic(REJECTED, REJECTED));
                }
                NDArray refC = null;
                NDArray refR = null;
                if (loss.needsReference() && reference != null) {
                    refC = m.create(new float[] {(float) Scorer.scoreNoGrad(reference, referenceParameters, c)[0]});
                    refR = m.create(new float[] {(float) Scorer.scoreNoGrad(reference, referenceParameters, r)[0]});
                }
                // npo's coefficients depend on the norms: give it this pair's own (its per-pair form).
                boolean npo = loss.scalesByGradientNorm();
                NDArray scaleC = npo ? m.create(new float[] {(float) (nw + PreferenceStep.NORM_EPS)}) : null;
                NDArray scaleR = npo ? m.create(new float[] {(float) (nl + PreferenceStep.NORM_EPS)}) : null;
                LossOutput coefficients = loss.compute(new PairLogProbs(m.create(new float[] {(float) lw}),
                        m.create(new float[] {(float) ll}), refC, refR, c.tokenCounts(), r.tokenCounts(), scaleC, scaleR));
                EntanglementConditions cond = EntanglementConditions.of(ip, nw, nl,
                        coefficients.lambdaChosen()[0], coefficients.lambdaRejected()[0]);
                sumLw += lw;
                sumLl += ll;
                sumIp += ip;
                sumNw += nw;
                sumNl += nl;
                if (cond.cosine() != null) {
                    sumCos += cond.cosine();
                    cosCount++;
                }
                cases.add(cond.caseLabel());
            }
        }
        int n = pairs.size();
        return new EvalEvent(EvalEvent.SCHEMA, runId, step, Instant.now().toString(), loss.type(), n, sumLw / n,
                sumLl / n, cosCount > 0 ? sumCos / cosCount : null, sumIp / n, sumNw / n, sumNl / n,
                cases.fraction(EntanglementConditions.IDEAL), cases.fraction(EntanglementConditions.BOTH_DOWN),
                cases.fraction(EntanglementConditions.BOTH_UP), cases.fraction(EntanglementConditions.UNDEFINED));
    }
}
