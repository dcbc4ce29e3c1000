package dev.untangle.loss;

/**
 * A margin-based preference loss that computes its value AND states its own coefficients, so the
 * entanglement conditions for this loss come from the object that trains with it (STYLE.md).
 */
public interface PreferenceLoss {
    /** TRL's loss_type name where one exists (sigmoid, hinge, ipo, ...). */
    String type();

    /** Whether reference log-probs are needed (false for simpo, cpo, orpo, ...). */
    boolean needsReference();

    /** beta as reported in step events. */
    double beta();

    LossOutput compute(PairLogProbs batch);

    /**
     * Whether each response's log-prob is divided by the stop-gradient norm of its own gradient (npo): then the
     * trainer supplies {@link PairLogProbs#chosenScale()} / {@link PairLogProbs#rejectedScale()}.
     */
    default boolean scalesByGradientNorm() {
        return false;
    }
}
