package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.REFERENCE;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;
import ai.djl.nn.Activation;

/**
 * TRL's {@code hinge}: m(u) = relu(delta - u), u = beta*((lw - lw_ref) - (ll - ll_ref)), delta = hingeMargin
 * (TRL uses 1). lambda_w = lambda_l = beta; k is 1 while u < delta and 0 past it (DESIGN.md section 1).
 * Golden (beta 0.1, margin 6): loss 1 - 0.6 = 0.4, dL/dmargin = -0.1.
 */
public final class HingeLoss implements PreferenceLoss {
    private final double beta;
    private final double hingeMargin;

    public HingeLoss(LossConfig config) {
        this.beta = config.beta();
        this.hingeMargin = config.hingeMargin();
    }

    @Override
    public String type() {
        return "hinge";
    }

    @Override
    public boolean needsReference() {
        return true;
    }

    @Override
    public double beta() {
        return beta;
    }

    @Override
    public LossOutput compute(PairLogProbs batch) {
        int size = LossMath.checkBatch(type(), batch, REFERENCE);
        NDArray chosen = batch.chosen();
        NDArray logRatioChosen = chosen.sub(LossMath.constant(batch.refChosen(), chosen));
        NDArray logRatioRejected = batch.rejected().sub(LossMath.constant(batch.refRejected(), chosen));
        NDArray margin = Scalars.times(logRatioChosen.sub(logRatioRejected), beta);
        NDArray loss = Activation.relu(margin.neg().add(hingeMargin)).mean();

        double[] u = LossMath.values(margin);
        double[] slope = new double[size];
        for (int i = 0; i < size; i++) {
            // relu'(0) = 0 in torch: the pair exactly at the margin is inactive
            slope[i] = hingeMargin - u[i] > 0 ? 1 : 0;
        }
        double[] lambda = LossMath.filled(size, beta);
        return LossMath.marginForm(loss, slope, lambda, lambda.clone(), 0,
                LossMath.scaled(LossMath.values(logRatioChosen), beta),
                LossMath.scaled(LossMath.values(logRatioRejected), beta));
    }
}
