package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.REFERENCE;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;
import ai.djl.nn.Activation;

/**
 * DPO-positive (DPOP): the sigmoid loss with a penalty inside the sigmoid that is active only while the chosen
 * log-prob is below the reference, u = beta*((lw - lw_ref) - (ll - ll_ref) - lam*max(0, lw_ref - lw)).
 * lambda_w = beta*(1 + lam) while lw < lw_ref, else beta; lambda_l = beta (DESIGN.md section 1 table).
 * At lw = lw_ref exactly the penalty is inactive (relu'(0) = 0, matching torch).
 */
public final class DpopLoss implements PreferenceLoss {
    private final double beta;
    private final double labelSmoothing;
    private final double penalty;

    public DpopLoss(LossConfig config) {
        this.beta = config.beta();
        this.labelSmoothing = config.labelSmoothing();
        this.penalty = config.dpopLambda();
    }

    @Override
    public String type() {
        return "dpop";
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
        NDArray shortfall = Activation.relu(logRatioChosen.neg());
        NDArray margin = Scalars.times(logRatioChosen.sub(logRatioRejected).sub(Scalars.times(shortfall, penalty)), beta);
        NDArray loss = LossMath.sigmoidMargin(margin, labelSmoothing).mean();

        double[] u = LossMath.values(margin);
        double[] ratioChosen = LossMath.values(logRatioChosen);
        double[] slope = new double[size];
        double[] lambdaChosen = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = LossMath.sigmoidSlope(u[i], labelSmoothing);
            lambdaChosen[i] = ratioChosen[i] < 0 ? beta * (1 + penalty) : beta;
        }
        return LossMath.marginForm(loss, slope, lambdaChosen, LossMath.filled(size, beta), 0,
                LossMath.scaled(ratioChosen, beta),
                LossMath.scaled(LossMath.values(logRatioRejected), beta));
    }
}
