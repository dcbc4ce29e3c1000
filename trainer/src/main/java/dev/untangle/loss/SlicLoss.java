package dev.untangle.loss;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;
import ai.djl.nn.Activation;

/**
 * SLiC-HF: reference-free hinge calibration relu(delta - u), u = beta*(lw - ll) on summed log-probs, plus the
 * paper's regularizer -nllAlpha*lw on the chosen response (summed log-prob, not per token: alpha is stated as
 * is). lambda_w = lambda_l = beta, k is 1 while u < delta else 0. Rewards: beta*lw.
 */
public final class SlicLoss implements PreferenceLoss {
    private final double beta;
    private final double hingeMargin;
    private final double nllAlpha;

    public SlicLoss(LossConfig config) {
        this.beta = config.beta();
        this.hingeMargin = config.hingeMargin();
        this.nllAlpha = config.nllAlpha();
    }

    @Override
    public String type() {
        return "slic";
    }

    @Override
    public boolean needsReference() {
        return false;
    }

    @Override
    public double beta() {
        return beta;
    }

    @Override
    public LossOutput compute(PairLogProbs batch) {
        int size = LossMath.checkBatch(type(), batch);
        NDArray chosen = batch.chosen();
        NDArray margin = Scalars.times(chosen.sub(batch.rejected()), beta);
        NDArray loss = Activation.relu(margin.neg().add(hingeMargin)).mean().add(LossMath.nllTerm(chosen, nllAlpha));

        double[] u = LossMath.values(margin);
        double[] slope = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = hingeMargin - u[i] > 0 ? 1 : 0;
        }
        double[] lambda = LossMath.filled(size, beta);
        return LossMath.marginForm(loss, slope, lambda, lambda.clone(), nllAlpha,
                LossMath.scaled(LossMath.values(chosen), beta),
                LossMath.scaled(LossMath.values(batch.rejected()), beta));
    }
}
