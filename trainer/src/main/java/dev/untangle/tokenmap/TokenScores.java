package dev.untangle.tokenmap;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.untangle.data.EncodedPair;
import dev.untangle.loop.Batches;
import dev.untangle.loop.Scorer;
import dev.untangle.loop.TokenBatch;
import dev.untangle.model.Gpt;

import java.util.ArrayList;
import java.util.List;

/**
 * Teacher-forced scores of preference pairs (DESIGN.md section 1: lw, ll are SUMS of response-token
 * log-probs, prompt and padding masked out), with every response token's own log-prob. The score command
 * writes these; tests use them as an oracle.
 *
 * @param chosenTokenLogProbs  log p(y_w,k | x, y_w,&lt;k) for k = 0..|y_w|-1; chosenLogProb is their sum
 */
public record TokenScores(double chosenLogProb, double rejectedLogProb, double[] chosenTokenLogProbs,
                          double[] rejectedTokenLogProbs) {

    /** Scores every pair, {@code batchSize} pairs per forward, without a graph. */
    public static List<TokenScores> of(Gpt model, List<EncodedPair> pairs, int padId, int batchSize, NDManager parent) {
        ParameterStore parameters = new ParameterStore(parent, false);
        List<TokenScores> out = new ArrayList<>(pairs.size());
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int i = 0; i < pairs.size(); i += batchSize) {
                List<EncodedPair> group = pairs.subList(i, Math.min(pairs.size(), i + batchSize));
                try (NDManager m = parent.newSubManager()) {
                    double[][] chosen = side(model, parameters, Batches.chosen(group, padId, m), group, true);
                    double[][] rejected = side(model, parameters, Batches.rejected(group, padId, m), group, false);
                    for (int j = 0; j < group.size(); j++) {
                        out.add(new TokenScores(chosen[group.size()][j], rejected[group.size()][j], chosen[j],
                                rejected[j]));
                    }
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        return out;
    }

    /** Rows 0..B-1: per-token log-probs of each response; row B: the model's summed log-probs (Scorer). */
    private static double[][] side(Gpt model, ParameterStore parameters, TokenBatch batch, List<EncodedPair> group,
                                   boolean chosen) {
        Scorer.Scored s = Scorer.score(model, parameters, batch, false);
        double[] all = Scorer.toDoubles(s.tokenLogProbs());
        int length = (int) batch.inputIds().getShape().get(1);
        double[][] out = new double[group.size() + 1][];
        for (int j = 0; j < group.size(); j++) {
            EncodedPair pair = group.get(j);
            int n = (chosen ? pair.chosen() : pair.rejected()).length;
            int first = pair.prompt().length - 1;
            out[j] = new double[n];
            System.arraycopy(all, j * length + first, out[j], 0, n);
        }
        out[group.size()] = Scorer.toDoubles(s.sums());
        return out;
    }
}
