package dev.untangle.loss;

/**
 * The two first-order conditions of DESIGN.md section 1, evaluated from measured gradient statistics (pure
 * math, no DJL). With u = lambda_w*lw - lambda_l*ll + c, one gradient step moves
 * delta_w ~ k*(lambda_w*||g_w||^2 - lambda_l*ip) and delta_l ~ k*(lambda_w*ip - lambda_l*||g_l||^2), hence
 *
 * <pre>
 *   ratio_chosen   = (lambda_l/lambda_w) * ip / ||g_w||^2   (> 1: the chosen log-prob falls)
 *   ratio_rejected = (lambda_w/lambda_l) * ip / ||g_l||^2   (> 1: the rejected log-prob rises)
 * </pre>
 *
 * For the probe's batch form pass the norms of G_w, G_l and lambdas 1 ({@link #ofBatch}). Each ratio uses its
 * own norm (the paper's reference script divides by the chosen norm twice; not copied here).
 *
 * <p>Case: {@code ideal} when neither ratio exceeds 1 (a ratio of exactly 1 means that side does not move, and
 * counts as holding); {@code both_down} when ratio_chosen > 1; {@code both_up} when ratio_rejected > 1;
 * {@code undefined} when a norm is 0, a lambda is not positive or an input is not finite (a dead run where
 * policy == reference, or no response tokens): the ratios that cannot be formed are null, never NaN.
 * Both ratios above 1 cannot happen to first order: their product is cos^2 <= 1 (Cauchy-Schwarz). Rounding of
 * nearly parallel gradients can still produce it; then the larger ratio names the case, and a tie is labelled
 * {@code both_down}, because the chosen response being unlearned is the failure this project watches for.
 *
 * @param ratioChosen   null when ||g_w|| is 0 or an input is not finite
 * @param ratioRejected null when ||g_l|| is 0 or an input is not finite
 * @param caseLabel     one of ideal, both_down, both_up, undefined (the wire field {@code case})
 * @param cosine        ip/(||g_w||*||g_l||), not clamped; null when a norm is 0 or an input is not finite
 */
public record EntanglementConditions(Double ratioChosen, Double ratioRejected, String caseLabel, Double cosine) {
    public static final String IDEAL = "ideal";
    public static final String BOTH_DOWN = "both_down";
    public static final String BOTH_UP = "both_up";
    public static final String UNDEFINED = "undefined";

    /**
     * @param innerProduct   ip = &lt;g_w, g_l&gt;
     * @param normChosen     ||g_w|| (a norm, not its square)
     * @param normRejected   ||g_l||
     * @param lambdaChosen   lambda_w (> 0)
     * @param lambdaRejected lambda_l (> 0)
     */
    public static EntanglementConditions of(double innerProduct, double normChosen, double normRejected,
                                            double lambdaChosen, double lambdaRejected) {
        boolean finite = Double.isFinite(innerProduct) && Double.isFinite(normChosen)
                && Double.isFinite(normRejected) && Double.isFinite(lambdaChosen) && Double.isFinite(lambdaRejected);
        if (!finite || normChosen < 0 || normRejected < 0 || lambdaChosen <= 0 || lambdaRejected <= 0) {
            return new EntanglementConditions(null, null, UNDEFINED, null);
        }
        Double ratioChosen = normChosen > 0
                ? finiteOrNull((lambdaRejected / lambdaChosen) * innerProduct / (normChosen * normChosen)) : null;
        Double ratioRejected = normRejected > 0
                ? finiteOrNull((lambdaChosen / lambdaRejected) * innerProduct / (normRejected * normRejected)) : null;
        Double cosine = normChosen > 0 && normRejected > 0
                ? finiteOrNull(innerProduct / (normChosen * normRejected)) : null;
        return new EntanglementConditions(ratioChosen, ratioRejected, classify(ratioChosen, ratioRejected), cosine);
    }

    /** The probe's batch form: coefficients absorbed into G_w, G_l, so both lambdas are 1. */
    public static EntanglementConditions ofBatch(double innerProduct, double normChosen, double normRejected) {
        return of(innerProduct, normChosen, normRejected, 1, 1);
    }

    /** Whether the case says one side moves the wrong way. */
    public boolean entangled() {
        return BOTH_DOWN.equals(caseLabel) || BOTH_UP.equals(caseLabel);
    }

    private static String classify(Double ratioChosen, Double ratioRejected) {
        if (ratioChosen == null || ratioRejected == null) {
            return UNDEFINED;
        }
        boolean chosenFalls = ratioChosen > 1;
        boolean rejectedRises = ratioRejected > 1;
        if (chosenFalls && rejectedRises) {
            return ratioChosen >= ratioRejected ? BOTH_DOWN : BOTH_UP;
        }
        if (chosenFalls) {
            return BOTH_DOWN;
        }
        return rejectedRises ? BOTH_UP : IDEAL;
    }

    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
