package dev.untangle.experiment;

import dev.untangle.loss.CaseTally;
import dev.untangle.loss.EntanglementConditions;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.StepEvent;

import java.util.ArrayList;
import java.util.List;

/**
 * What one preference run of an experiment measured, from its events.
 *
 * <p>Step fields come from the per-step probe (batch form, DESIGN.md section 1): the fraction of probe
 * steps in each case and the mean batch cosine. Eval fields come from the paper's protocol on the fixed
 * eval subset (per-pair gradients, EvalProtocol): the mean per-pair cosine at the first and last eval and
 * its whole series, and the change of the eval mean log-probs of chosen and rejected responses from the
 * first eval (the initial model) to the last. Reward margin and accuracy are the mean of the last
 * {@link #TAIL_STEPS} step events (TRL's rewards: beta * (policy - reference)).
 */
public record RunSummary(
        String variant,
        String lossType,
        long steps,
        long probeSteps,
        double fractionIdeal,
        double fractionBothDown,
        double fractionBothUp,
        double fractionUndefined,
        double meanStepCosine,
        double evalCosineFirst,
        double evalCosineLast,
        double evalCosineMean,
        double evalChosenFirst,
        double evalChosenLast,
        double evalRejectedFirst,
        double evalRejectedLast,
        double deltaChosen,
        double deltaRejected,
        double finalRewardsMargin,
        double finalRewardsAccuracy,
        double evalFractionIdealLast,
        double evalFractionBothDownLast,
        double evalFractionBothUpLast,
        List<Long> evalSteps,
        List<Double> evalCosines,
        List<Double> evalChosen,
        List<Double> evalRejected,
        double seconds) {

    public static final int TAIL_STEPS = 10;

    public static RunSummary of(String variant, String lossType, List<StepEvent> steps, List<EvalEvent> evals,
                                double seconds) {
        CaseTally cases = new CaseTally();
        double cosSum = 0;
        long cosCount = 0;
        for (StepEvent e : steps) {
            if (!cases.add(e.caseLabel())) {
                continue;
            }
            if (e.gradCosine() != null && Double.isFinite(e.gradCosine())) {
                cosSum += e.gradCosine();
                cosCount++;
            }
        }
        List<Long> evalSteps = new ArrayList<>();
        List<Double> cosines = new ArrayList<>();
        List<Double> chosen = new ArrayList<>();
        List<Double> rejected = new ArrayList<>();
        for (EvalEvent e : evals) {
            evalSteps.add(e.step());
            cosines.add(value(e.meanCosine()));
            chosen.add(value(e.logpsChosen()));
            rejected.add(value(e.logpsRejected()));
        }
        double margin = 0;
        double accuracy = 0;
        int tail = 0;
        for (int i = Math.max(0, steps.size() - TAIL_STEPS); i < steps.size(); i++) {
            margin += value(steps.get(i).rewardsMargin());
            accuracy += value(steps.get(i).rewardsAccuracy());
            tail++;
        }
        EvalEvent last = evals.isEmpty() ? null : evals.get(evals.size() - 1);
        return new RunSummary(variant, lossType, steps.size(), cases.total(), share(cases, EntanglementConditions.IDEAL),
                share(cases, EntanglementConditions.BOTH_DOWN), share(cases, EntanglementConditions.BOTH_UP),
                share(cases, EntanglementConditions.UNDEFINED),
                cosCount > 0 ? cosSum / cosCount : Double.NaN,
                first(cosines), lastOf(cosines), mean(cosines),
                first(chosen), lastOf(chosen), first(rejected), lastOf(rejected),
                lastOf(chosen) - first(chosen), lastOf(rejected) - first(rejected),
                tail > 0 ? margin / tail : Double.NaN, tail > 0 ? accuracy / tail : Double.NaN,
                last == null ? Double.NaN : value(last.fractionIdeal()),
                last == null ? Double.NaN : value(last.fractionBothDown()),
                last == null ? Double.NaN : value(last.fractionBothUp()),
                evalSteps, cosines, chosen, rejected, seconds);
    }

    private static double value(Double v) {
        return v == null ? Double.NaN : v;
    }

    private static double first(List<Double> values) {
        return values.isEmpty() ? Double.NaN : values.get(0);
    }

    private static double lastOf(List<Double> values) {
        return values.isEmpty() ? Double.NaN : values.get(values.size() - 1);
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).filter(Double::isFinite).average().orElse(Double.NaN);
    }

    /** Fraction of probe steps with this case; 0 (not NaN) for a run without probe steps, as the tables print. */
    private static double share(CaseTally cases, String label) {
        return cases.total() == 0 ? 0 : cases.fraction(label);
    }
}
