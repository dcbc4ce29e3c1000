package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.TOKENS;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * SimPO, TRL's {@code simpo} (reference-free, length-averaged, target margin gamma):
 * u = beta*(lw/|y_w| - ll/|y_l|) - gamma, m = the sigmoid margin with label smoothing.
 * lambda_w = beta/|y_w|, lambda_l = beta/|y_l| (DESIGN.md section 1 table). Rewards are beta times the
 * per-token log-probs of the policy, as TRL logs them.
 */
public final class SimpoLoss implements PreferenceLoss {
    private final double beta;
    private final double labelSmoothing;
    private final double gamma;

    public SimpoLoss(LossConfig config) {
        this.beta = config.beta();
        this.labelSmoothing = config.labelSmoothing();
        this.gamma = config.simpoGamma();
    }

    @Override
    public String type() {
        return "simpo";
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
        int size = LossMath.checkBatch(type(), batch, TOKENS);
        NDArray chosen = batch.chosen();
        NDArray perTokenChosen = chosen.div(LossMath.constant(batch.chosenTokens(), chosen));
        NDArray perTokenRejected = batch.rejected().div(LossMath.constant(batch.rejectedTokens(), chosen));
        NDArray margin = Scalars.times(perTokenChosen.sub(perTokenRejected), beta).sub(gamma);
        NDArray loss = LossMath.sigmoidMargin(margin, labelSmoothing).mean();

        double[] u = LossMath.values(margin);
        double[] countsChosen = LossMath.values(batch.chosenTokens());
        double[] countsRejected = LossMath.values(batch.rejectedTokens());
        double[] slope = new double[size];
        double[] lambdaChosen = new double[size];
        double[] lambdaRejected = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = LossMath.sigmoidSlope(u[i], labelSmoothing);
            lambdaChosen[i] = beta / countsChosen[i];
            lambdaRejected[i] = beta / countsRejected[i];
        }
        return LossMath.marginForm(loss, slope, lambdaChosen, lambdaRejected, 0,
                LossMath.scaled(LossMath.values(perTokenChosen), beta),
                LossMath.scaled(LossMath.values(perTokenRejected), beta));
    }
}
