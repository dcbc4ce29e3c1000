package dev.untangle.preference;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.GradientAlgebra;
import dev.untangle.loop.Gradients;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.loss.EntanglementConditions;
import dev.untangle.loss.LossOutput;
import dev.untangle.loss.PairLogProbs;
import dev.untangle.loss.PreferenceLoss;
import dev.untangle.model.Gpt;
import dev.untangle.tokenizer.TextTokenizer;
import dev.untangle.wire.EvalEvent;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The paper's evaluation protocol on a fixed eval subset: per pair, the gradients g_w = grad lw and
 * g_l = grad ll (one backward each, single-pair forwards), their inner product, norms and cosine, the
 * pair's case under the loss's own coefficients (DESIGN.md section 1 conditions with lambda_w, lambda_l
 * of that pair), and the eval mean log-probs. Parameters are left untouched (gradients zeroed).
 */
final class EvalProtocol {
    private final Gpt policy;
    private final ParameterStore parameters;
    private final Gpt reference;
    private final ParameterStore referenceParameters;
    private final TextTokenizer tokenizer;
    private final NDManager root;
    private final Gradients gradients;

    EvalProtocol(Gpt policy, ParameterStore parameters, Gpt reference, ParameterStore referenceParameters,
                 TextTokenizer tokenizer, NDManager root) {
        this.policy = policy;
        this.parameters = parameters;
        this.reference = reference;
        this.referenceParameters = referenceParameters;
        this.tokenizer = tokenizer;
        this.root = root;
        this.gradients = new Gradients(policy);
    }

    EvalEvent run(String runId, long step, PreferenceLoss loss, List<EncodedPair> pairs) {
        double sumLw = 0;
        double sumLl = 0;
        double sumCos = 0;
        int cosCount = 0;
        double sumIp = 0;
        double sumNw = 0;
        double sumNl = 0;
        int ideal = 0;
        int down = 0;
        int up = 0;
        int undefined = 0;
        int pad = tokenizer.endOfTextId();
        for (EncodedPair pair : pairs) {
            try (NDManager m = root.newSubManager()) {
                TokenBatch c = Batches.chosen(List.of(pair), pad, m);
                TokenBatch r = Batches.rejected(List.of(pair), pad, m);
                double lw;
                double ll;
                Map<String, NDArray> gw;
                Map<String, NDArray> gl;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    Scorer.Scored sc = Scorer.score(policy, parameters, c, true);
                    lw = Scorer.toDoubles(sc.sums())[0];
                    collector.backward(sc.sums().sum());
                    gw = gradients.take(m);
                    Scorer.Scored sr = Scorer.score(policy, parameters, r, true);
                    ll = Scorer.toDoubles(sr.sums())[0];
                    collector.backward(sr.sums().sum());
                    gl = gradients.take(m);
                }
                double ip = GradientAlgebra.dot(gw, gl);
                double nw = Math.sqrt(GradientAlgebra.normSquared(gw));
                double nl = Math.sqrt(GradientAlgebra.normSquared(gl));
                NDArray refC = null;
                NDArray refR = null;
                if (loss.needsReference() && reference != null) {
                    refC = m.create(new float[] {(float) Scorer.scoreNoGrad(reference, referenceParameters, c)[0]});
                    refR = m.create(new float[] {(float) Scorer.scoreNoGrad(reference, referenceParameters, r)[0]});
                }
                LossOutput coefficients = loss.compute(new PairLogProbs(m.create(new float[] {(float) lw}),
                        m.create(new float[] {(float) ll}), refC, refR, c.tokenCounts(), r.tokenCounts(), null, null));
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
                switch (cond.caseLabel()) {
                    case EntanglementConditions.IDEAL -> ideal++;
                    case EntanglementConditions.BOTH_DOWN -> down++;
                    case EntanglementConditions.BOTH_UP -> up++;
                    default -> undefined++;
                }
            }
        }
        int n = pairs.size();
        return new EvalEvent(EvalEvent.SCHEMA, runId, step, Instant.now().toString(), loss.type(), n, sumLw / n,
                sumLl / n, cosCount > 0 ? sumCos / cosCount : null, sumIp / n, sumNw / n, sumNl / n,
                (double) ideal / n, (double) down / n, (double) up / n, (double) undefined / n);
    }
}
