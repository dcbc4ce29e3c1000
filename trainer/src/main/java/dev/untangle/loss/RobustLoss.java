package dev.untangle.loss;

import static dev.untangle.loss.LossMath.Needs.REFERENCE;

import ai.djl.ndarray.NDArray;
import dev.untangle.nd.Scalars;

/**
 * TRL's {@code robust} (unbiased under label noise eps):
 * m(u) = (-(1-eps)*log sigmoid(u) + eps*log sigmoid(-u)) / (1 - 2 eps), u = beta*((lw - lw_ref) - (ll - ll_ref)).
 * lambda_w = lambda_l = beta, k = ((1-eps)*sigmoid(-u) + eps*sigmoid(u)) / (1 - 2 eps). At eps = 0 this is
 * exactly {@link SigmoidLoss}.
 */
public final class RobustLoss implements PreferenceLoss {
    private final double beta;
    private final double labelSmoothing;

    public RobustLoss(LossConfig config) {
        this.beta = config.beta();
        this.labelSmoothing = config.labelSmoothing();
    }

    @Override
    public String type() {
        return "robust";
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
        double eps = labelSmoothing;
        NDArray chosen = batch.chosen();
        NDArray logRatioChosen = chosen.sub(LossMath.constant(batch.refChosen(), chosen));
        NDArray logRatioRejected = batch.rejected().sub(LossMath.constant(batch.refRejected(), chosen));
        NDArray margin = Scalars.times(logRatioChosen.sub(logRatioRejected), beta);
        NDArray perPair = Scalars.over(Scalars.times(LossMath.logSigmoid(margin), -(1 - eps))
                .add(Scalars.times(LossMath.logSigmoid(margin.neg()), eps)), 1 - 2 * eps);
        NDArray loss = perPair.mean();

        double[] u = LossMath.values(margin);
        double[] slope = new double[size];
        for (int i = 0; i < size; i++) {
            slope[i] = ((1 - eps) * LossMath.sigmoid(-u[i]) + eps * LossMath.sigmoid(u[i])) / (1 - 2 * eps);
        }
        double[] lambda = LossMath.filled(size, beta);
        return LossMath.marginForm(loss, slope, lambda, lambda.clone(), 0,
                LossMath.scaled(LossMath.values(logRatioChosen), beta),
                LossMath.scaled(LossMath.values(logRatioRejected), beta));
    }
}
