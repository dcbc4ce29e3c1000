package dev.untangle.policy;

import dev.untangle.policy.RunState.EvalPoint;
import dev.untangle.policy.RunState.Latch;
import dev.untangle.policy.RunState.Sample;
import dev.untangle.wire.Alert;
import dev.untangle.wire.Alert.Kind;
import dev.untangle.wire.ControlCommand;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.StepEvent;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The policies of DESIGN.md section 2 as plain functions of (run state, event): no Kafka here, so the
 * same decisions come out of the stream monitor, a replay and a unit test. Events must already be
 * de-duplicated; they may arrive out of step order (the window is kept sorted by step).
 *
 * <p>Per step event, in order: non-finite check (fires AT the bad step), dead-run streak, window
 * update, then the windowed policies (chosen falling, rejected rising, high entanglement,
 * saturation), each through its {@link Latch} (hysteresis + cooldown). A chosen-falling or
 * rejected-rising fire may add one switch_loss command.
 */
public final class PolicyEvaluator {
    private static final Comparator<Sample> BY_STEP = Comparator.comparingLong(Sample::step);

    private final PolicyConfig policy;
    /** Signs switch commands; null when no key is configured (commands go unsigned). */
    private final dev.untangle.control.ControlSigner signer;

    public PolicyEvaluator(PolicyConfig policy) {
        this(policy, null);
    }

    public PolicyEvaluator(PolicyConfig policy, dev.untangle.control.ControlSigner signer) {
        this.policy = policy;
        this.signer = signer;
    }

    public PolicyConfig policy() {
        return policy;
    }

    /** Applies one de-duplicated step event to {@code state} (mutated) and returns what it decided. */
    public Decisions onStep(RunState state, StepEvent event) {
        List<Alert> alerts = new ArrayList<>();
        List<ControlCommand> commands = new ArrayList<>();
        state.runId = event.runId();
        if (event.lossType() != null) {
            state.lossType = event.lossType();
        }
        state.latestStep = Math.max(state.latestStep, event.step());

        checkNonFinite(state, event, alerts);
        checkDeadRun(state, event, alerts);
        addToWindow(state, event);
        WindowStats stats = windowStats(state);
        if (stats != null) {
            checkTrend(state, event, Kind.CHOSEN_FALLING, policy.chosenFalling, stats.bothDownFraction(),
                    trend(stats.chosenSlope(), state, EvalPoint::logpsChosen), alerts, commands);
            checkTrend(state, event, Kind.REJECTED_RISING, policy.rejectedRising, stats.bothUpFraction(),
                    trend(stats.rejectedSlope(), state, EvalPoint::logpsRejected), alerts, commands);
            checkEntanglement(state, event, stats, alerts);
            checkSaturation(state, event, stats, alerts);
        }
        return new Decisions(alerts, commands, stats);
    }

    /** Records an eval point (its trend feeds the step trends when evals.weight > 0); decides nothing. */
    public void onEval(RunState state, EvalEvent event) {
        state.evals.removeIf(p -> p.step() == event.step());
        state.evals.add(new EvalPoint(event.step(), event.logpsChosen(), event.logpsRejected()));
        state.evals.sort(Comparator.comparingLong(EvalPoint::step));
        while (state.evals.size() > policy.evals.keep) {
            state.evals.remove(0);
        }
    }

    // ---- non-finite: any NaN/Inf in loss, log-probs, rewards or gradient fields, at the first bad step

    private void checkNonFinite(RunState state, StepEvent e, List<Alert> alerts) {
        if (!policy.nonFinite.enabled) {
            return;
        }
        String bad = firstNonFiniteField(e);
        Latch latch = state.latch(Kind.NON_FINITE.wire());
        if (bad != null) {
            if (!latch.firing && cooledDown(latch, e.step(), policy.nonFinite.cooldownSteps)) {
                fire(latch, e.step());
                alerts.add(alert(state, e, Kind.NON_FINITE, "firing", "critical",
                        bad + " is non-finite at step " + e.step() + "; the trainer should skip or roll back",
                        null, null));
            }
        } else if (latch.firing && e.loss() != null && e.step() > latch.lastFiredStep) {
            latch.firing = false;
            alerts.add(alert(state, e, Kind.NON_FINITE, "resolved", "critical",
                    "finite values again at step " + e.step(), null, null));
        }
    }

    /** The first field holding NaN or +-Infinity (null = missing, which is not non-finite). */
    static String firstNonFiniteField(StepEvent e) {
        Object[][] fields = {
                {"loss", e.loss()}, {"logps_chosen", e.logpsChosen()}, {"logps_rejected", e.logpsRejected()},
                {"rewards_chosen", e.rewardsChosen()}, {"rewards_rejected", e.rewardsRejected()},
                {"rewards_margin", e.rewardsMargin()},
                {"grad_inner_product", e.gradInnerProduct()}, {"grad_norm_chosen", e.gradNormChosen()},
                {"grad_norm_rejected", e.gradNormRejected()}, {"grad_cosine", e.gradCosine()},
                {"ratio_chosen", e.ratioChosen()}, {"ratio_rejected", e.ratioRejected()},
                {"predicted_delta_chosen", e.predictedDeltaChosen()},
                {"predicted_delta_rejected", e.predictedDeltaRejected()},
                {"measured_delta_chosen", e.measuredDeltaChosen()},
                {"measured_delta_rejected", e.measuredDeltaRejected()}};
        for (Object[] f : fields) {
            Double v = (Double) f[1];
            if (v != null && !Double.isFinite(v)) {
                return (String) f[0];
            }
        }
        return null;
    }

    // ---- dead run: both gradient norms exactly 0 for K consecutive probe steps (DESIGN.md 1: case undefined)

    private void checkDeadRun(RunState state, StepEvent e, List<Alert> alerts) {
        if (!policy.deadRun.enabled || e.gradNormChosen() == null || e.gradNormRejected() == null) {
            return; // not a probe step: the streak neither grows nor breaks
        }
        boolean zero = e.gradNormChosen() == 0.0 && e.gradNormRejected() == 0.0 && firstNonFiniteField(e) == null;
        state.zeroGradientStreak = zero ? state.zeroGradientStreak + 1 : 0;
        Latch latch = state.latch(Kind.DEAD_RUN.wire());
        int k = policy.deadRun.consecutiveSteps;
        if (!latch.firing && state.zeroGradientStreak >= k && cooledDown(latch, e.step(), policy.deadRun.cooldownSteps)) {
            fire(latch, e.step());
            alerts.add(alert(state, e, Kind.DEAD_RUN, "firing", "critical",
                    "both gradient norms exactly 0 for " + state.zeroGradientStreak
                            + " consecutive probe steps (policy equals reference?)",
                    (double) state.zeroGradientStreak, (double) k));
        } else if (latch.firing && state.zeroGradientStreak == 0) {
            latch.firing = false;
            alerts.add(alert(state, e, Kind.DEAD_RUN, "resolved", "critical",
                    "non-zero gradient at step " + e.step(), null, (double) k));
        }
    }

    // ---- the sliding window

    private void addToWindow(RunState state, StepEvent e) {
        List<Sample> window = state.window;
        int capacity = policy.window.steps;
        if (window.size() >= capacity && e.step() < window.get(0).step()) {
            return; // older than everything in a full window: too late to matter
        }
        window.add(new Sample(e.step(), e.caseLabel(), e.logpsChosen(), e.logpsRejected(), e.gradCosine(),
                e.loss(), e.rewardsMargin()));
        window.sort(BY_STEP);
        while (window.size() > capacity) {
            window.remove(0);
        }
    }

    /** The window's statistics, or null while it holds fewer than window.minProbeSteps probe samples. */
    WindowStats windowStats(RunState state) {
        List<Sample> window = state.window;
        int probes = 0;
        int bothDown = 0;
        int bothUp = 0;
        for (Sample s : window) {
            String c = s.caseLabel() == null ? "" : s.caseLabel();
            switch (c) {
                case "ideal" -> probes++;
                case "both_down" -> { probes++; bothDown++; }
                case "both_up" -> { probes++; bothUp++; }
                default -> { } // undefined or not a probe step: says nothing about the direction
            }
        }
        if (probes < policy.window.minProbeSteps) {
            return null;
        }
        return new WindowStats(probes, (double) bothDown / probes, (double) bothUp / probes,
                slope(window, Sample::logpsChosen), slope(window, Sample::logpsRejected),
                mean(window, Sample::gradCosine), mean(window, Sample::loss), mean(window, Sample::rewardsMargin));
    }

    /** Least-squares slope of a value against the step number over its finite samples (NaN if < 3). */
    static <T> double slope(List<T> points, ToDoubleFunction<T> step, Function<T, Double> value) {
        double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (T p : points) {
            Double y = value.apply(p);
            if (y == null || !Double.isFinite(y)) {
                continue;
            }
            double x = step.applyAsDouble(p);
            n++;
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double denominator = n * sxx - sx * sx;
        return n < 3 || denominator == 0 ? Double.NaN : (n * sxy - sx * sy) / denominator;
    }

    private static double slope(List<Sample> window, Function<Sample, Double> value) {
        return slope(window, Sample::step, value);
    }

    private double mean(List<Sample> window, Function<Sample, Double> value) {
        double sum = 0;
        int n = 0;
        for (Sample s : window) {
            Double v = value.apply(s);
            if (v != null && Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }
        return n < policy.window.minProbeSteps ? Double.NaN : sum / n;
    }

    /** The step slope blended with the eval slope (evals.weight) when enough evals are known. */
    private double trend(double stepSlope, RunState state, Function<EvalPoint, Double> evalValue) {
        double w = policy.evals.weight;
        if (w == 0 || state.evals.size() < policy.evals.minEvals) {
            return stepSlope;
        }
        double evalSlope = slope(state.evals, EvalPoint::step, evalValue);
        return Double.isFinite(evalSlope) ? (1 - w) * stepSlope + w * evalSlope : stepSlope;
    }

    // ---- windowed policies

    private void checkTrend(RunState state, StepEvent e, Kind kind, PolicyConfig.TrendPolicy p, double fraction,
                            double slope, List<Alert> alerts, List<ControlCommand> commands) {
        if (!p.enabled) {
            return;
        }
        // slopeNatsPerStep is signed: falling needs slope <= it (negative), rising slope >= it.
        boolean steepEnough = p.slopeNatsPerStep <= 0 ? slope <= p.slopeNatsPerStep : slope >= p.slopeNatsPerStep;
        boolean fireCondition = fraction >= p.fireFraction && steepEnough;
        boolean resolveCondition = fraction < p.resolveFraction;
        String wrongCase = kind == Kind.CHOSEN_FALLING ? "both_down" : "both_up";
        String side = kind == Kind.CHOSEN_FALLING ? "logps_chosen" : "logps_rejected";
        String reason = String.format(Locale.ROOT, "%s on %.0f%% of the last %d probe steps (fire at %.0f%%), %s slope %.3f nats/step (limit %.3f)",
                wrongCase, 100 * fraction, state.window.size(), 100 * p.fireFraction, side, slope, p.slopeNatsPerStep);
        String transition = latch(state.latch(kind.wire()), fireCondition, resolveCondition, p.consecutive,
                p.cooldownSteps, state.latestStep);
        if (transition == null) {
            return;
        }
        Alert a = alert(state, e, kind, transition, "critical", reason, fraction, p.fireFraction);
        alerts.add(a);
        if (transition.equals("firing")) {
            ControlCommand command = maybeSwitch(state, kind, reason);
            if (command != null) {
                commands.add(command);
            }
        }
    }

    private void checkEntanglement(RunState state, StepEvent e, WindowStats stats, List<Alert> alerts) {
        PolicyConfig.EntanglementPolicy p = policy.highEntanglement;
        if (!p.enabled || Double.isNaN(stats.meanCosine())) {
            return;
        }
        String transition = latch(state.latch(Kind.HIGH_ENTANGLEMENT.wire()), stats.meanCosine() > p.fireCosine,
                stats.meanCosine() < p.resolveCosine, p.consecutive, p.cooldownSteps, state.latestStep);
        if (transition != null) {
            alerts.add(alert(state, e, Kind.HIGH_ENTANGLEMENT, transition, "warning",
                    String.format(Locale.ROOT, "mean gradient cosine %.3f over the window (fire above %.3f)",
                            stats.meanCosine(), p.fireCosine), stats.meanCosine(), p.fireCosine));
        }
    }

    private void checkSaturation(RunState state, StepEvent e, WindowStats stats, List<Alert> alerts) {
        PolicyConfig.SaturationPolicy p = policy.saturation;
        if (!p.enabled || Double.isNaN(stats.meanLoss()) || Double.isNaN(stats.meanMargin())) {
            return;
        }
        boolean saturated = stats.meanLoss() < p.maxLoss && stats.meanMargin() > p.minMargin;
        String transition = latch(state.latch(Kind.SATURATION.wire()), saturated, !saturated, p.consecutive,
                p.cooldownSteps, state.latestStep);
        if (transition != null) {
            alerts.add(alert(state, e, Kind.SATURATION, transition, "warning",
                    String.format(Locale.ROOT, "mean loss %.3g (below %.3g) with mean margin %.3g (above %.3g)",
                            stats.meanLoss(), p.maxLoss, stats.meanMargin(), p.minMargin), stats.meanLoss(), p.maxLoss));
        }
    }

    /**
     * One evaluation through a latch: returns "firing" or "resolved" when the state flips, else null.
     * Hysteresis: a flip needs its condition on {@code consecutive} evaluations in a row, so one odd
     * event never flips the decision. Cooldown: no fire within {@code cooldownSteps} of the last fire.
     */
    static String latch(Latch latch, boolean fireCondition, boolean resolveCondition, int consecutive,
                        long cooldownSteps, long step) {
        if (!latch.firing) {
            latch.fireStreak = fireCondition ? latch.fireStreak + 1 : 0;
            if (latch.fireStreak >= consecutive && cooledDown(latch, step, cooldownSteps)) {
                fire(latch, step);
                return "firing";
            }
        } else {
            latch.resolveStreak = resolveCondition ? latch.resolveStreak + 1 : 0;
            if (latch.resolveStreak >= consecutive) {
                latch.firing = false;
                latch.fireStreak = 0;
                latch.resolveStreak = 0;
                return "resolved";
            }
        }
        return null;
    }

    private static boolean cooledDown(Latch latch, long step, long cooldownSteps) {
        return latch.lastFiredStep == null || step - latch.lastFiredStep >= cooldownSteps;
    }

    private static void fire(Latch latch, long step) {
        latch.firing = true;
        latch.lastFiredStep = step;
        latch.fireStreak = 0;
        latch.resolveStreak = 0;
    }

    // ---- switching

    /**
     * One switch_loss per fire at most, never beyond maxSwitchesPerRun or inside switchCooldownSteps,
     * never to the loss the run already uses. The command id is a function of (run, step, kind), so a
     * retried evaluation of the same event produces the same id and the trainer applies it once.
     */
    private ControlCommand maybeSwitch(RunState state, Kind kind, String reason) {
        long step = state.latestStep;
        if (!policy.autoSwitch || state.switchesSent >= policy.maxSwitchesPerRun
                || policy.switchLossType.equals(state.lossType)
                || (state.lastSwitchStep != null && step - state.lastSwitchStep < policy.switchCooldownSteps)) {
            return null;
        }
        state.switchesSent++;
        state.lastSwitchStep = step;
        String id = commandId(state.runId, step, kind);
        ControlCommand unsigned = new ControlCommand(ControlCommand.SCHEMA, id, state.runId, step,
                ControlCommand.Action.SWITCH_LOSS.wire(), policy.switchLossType,
                kind.wire() + ": " + reason, null);
        return signer == null ? unsigned : signer.sign(unsigned);
    }

    public static String commandId(String runId, long step, Kind kind) {
        return "switch_loss:" + runId + ":" + step + ":" + kind.wire();
    }

    private static Alert alert(RunState state, StepEvent e, Kind kind, String transition, String severity,
                               String reason, Double value, Double threshold) {
        long step = kind == Kind.NON_FINITE || kind == Kind.DEAD_RUN ? e.step() : state.latestStep;
        String id = state.runId + ":" + kind.wire() + ":" + step + ":" + transition;
        return new Alert(Alert.SCHEMA, id, state.runId, step, e.time(), kind.wire(), transition, severity, reason,
                finiteOrNull(value), finiteOrNull(threshold));
    }

    private static Double finiteOrNull(Double v) {
        return v == null || !Double.isFinite(v) ? null : v;
    }
}
