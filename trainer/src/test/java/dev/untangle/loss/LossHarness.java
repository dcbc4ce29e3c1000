package dev.untangle.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import java.util.Random;

/**
 * Test support: a batch of plain doubles, evaluated through a loss on leaf arrays with DJL autograd, so tests
 * compare the loss's stated coefficients with the true derivatives dL/dlw_i, dL/dll_i.
 */
final class LossHarness {
    private LossHarness() {
    }

    /** Per-pair inputs in plain doubles; refs, token counts and scales may be null. */
    record Batch(double[] chosen, double[] rejected, double[] refChosen, double[] refRejected,
                 double[] chosenTokens, double[] rejectedTokens, double[] chosenScale, double[] rejectedScale) {

        Batch withChosen(double[] values) {
            return new Batch(values, rejected, refChosen, refRejected, chosenTokens, rejectedTokens, chosenScale,
                    rejectedScale);
        }

        Batch withRejected(double[] values) {
            return new Batch(chosen, values, refChosen, refRejected, chosenTokens, rejectedTokens, chosenScale,
                    rejectedScale);
        }

        Batch withScales(double[] chosenScales, double[] rejectedScales) {
            return new Batch(chosen, rejected, refChosen, refRejected, chosenTokens, rejectedTokens, chosenScales,
                    rejectedScales);
        }
    }

    /** The loss's output (coefficients as plain values) and autograd's derivatives of the batch loss. */
    record Evaluation(double loss, double[] gradChosen, double[] gradRejected, LossOutput output) {
    }

    /** One pair with every field given; counts 1 and no scales unless stated. */
    static Batch pair(double chosen, double rejected, double refChosen, double refRejected) {
        return new Batch(new double[] {chosen}, new double[] {rejected}, new double[] {refChosen},
                new double[] {refRejected}, new double[] {1}, new double[] {1}, null, null);
    }

    /**
     * A random batch: response lengths 3..30 tokens, summed log-probs of about -0.3..-2.5 nats per token, reference
     * log-probs within a few nats of the policy (so DPOP's penalty is active for some pairs and not others),
     * positive gradient-norm scales.
     */
    static Batch random(long seed, int size) {
        Random random = new Random(seed);
        double[] chosen = new double[size];
        double[] rejected = new double[size];
        double[] refChosen = new double[size];
        double[] refRejected = new double[size];
        double[] chosenTokens = new double[size];
        double[] rejectedTokens = new double[size];
        double[] chosenScale = new double[size];
        double[] rejectedScale = new double[size];
        for (int i = 0; i < size; i++) {
            chosenTokens[i] = 3 + random.nextInt(28);
            rejectedTokens[i] = 3 + random.nextInt(28);
            chosen[i] = -chosenTokens[i] * (0.3 + 2.2 * random.nextDouble());
            rejected[i] = -rejectedTokens[i] * (0.3 + 2.2 * random.nextDouble());
            refChosen[i] = chosen[i] + 4 * random.nextGaussian();
            refRejected[i] = rejected[i] + 4 * random.nextGaussian();
            chosenScale[i] = 0.5 + 2.5 * random.nextDouble();
            rejectedScale[i] = 0.5 + 2.5 * random.nextDouble();
        }
        return new Batch(chosen, rejected, refChosen, refRejected, chosenTokens, rejectedTokens, chosenScale,
                rejectedScale);
    }

    /** Evaluates in float64 (tight comparisons). */
    static Evaluation evaluate(PreferenceLoss loss, Batch batch) {
        return evaluate(loss, batch, DataType.FLOAT64);
    }

    static Evaluation evaluate(PreferenceLoss loss, Batch batch, DataType dataType) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray chosen = leaf(manager, batch.chosen(), dataType);
            NDArray rejected = leaf(manager, batch.rejected(), dataType);
            PairLogProbs inputs = new PairLogProbs(chosen, rejected,
                    constant(manager, batch.refChosen(), dataType), constant(manager, batch.refRejected(), dataType),
                    constant(manager, batch.chosenTokens(), dataType),
                    constant(manager, batch.rejectedTokens(), dataType),
                    constant(manager, batch.chosenScale(), dataType),
                    constant(manager, batch.rejectedScale(), dataType));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                LossOutput output = loss.compute(inputs);
                collector.backward(output.loss());
                double value = output.loss().toType(DataType.FLOAT64, false).getDouble();
                return new Evaluation(value,
                        chosen.getGradient().toType(DataType.FLOAT64, false).toDoubleArray(),
                        rejected.getGradient().toType(DataType.FLOAT64, false).toDoubleArray(),
                        output);
            }
        }
    }

    /** The batch loss value only, no gradient (for finite differences). */
    static double value(PreferenceLoss loss, Batch batch) {
        try (NDManager manager = NDManager.newBaseManager()) {
            PairLogProbs inputs = new PairLogProbs(
                    constant(manager, batch.chosen(), DataType.FLOAT64),
                    constant(manager, batch.rejected(), DataType.FLOAT64),
                    constant(manager, batch.refChosen(), DataType.FLOAT64),
                    constant(manager, batch.refRejected(), DataType.FLOAT64),
                    constant(manager, batch.chosenTokens(), DataType.FLOAT64),
                    constant(manager, batch.rejectedTokens(), DataType.FLOAT64),
                    constant(manager, batch.chosenScale(), DataType.FLOAT64),
                    constant(manager, batch.rejectedScale(), DataType.FLOAT64));
            return loss.compute(inputs).loss().getDouble();
        }
    }

    private static NDArray leaf(NDManager manager, double[] values, DataType dataType) {
        NDArray array = constant(manager, values, dataType);
        array.setRequiresGradient(true);
        return array;
    }

    private static NDArray constant(NDManager manager, double[] values, DataType dataType) {
        if (values == null) {
            return null;
        }
        return manager.create(values).toType(dataType, false);
    }
}
