package dev.untangle.report;

import dev.untangle.loss.CaseTally;
import dev.untangle.preference.PreferenceTrainer;
import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlAck;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.StepEvent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The run's numbers for the report table, computed once from an {@link EventLog}. Non-finite and
 * missing values are left out of every mean and median (a NaN step must not turn the summary into NaN).
 * "First" and "last" log-probs are means over the first and last {@code window} steps (up to 10): a
 * single batch mean is too noisy to compare, since every step scores a different batch.
 *
 * <p>Probe overhead in the run itself: the median step time of probe steps over that of plain steps,
 * both after the first {@link #WARMUP_STEPS} steps (a run with --probe-every 2 has both kinds side by side,
 * interleaved; NaN when either kind is missing). A probe step is one whose event carries the probe's lambda
 * fields (a skipped plain step also says case undefined, but has no lambda). Probe step times include the
 * re-scoring and extras of the measured probe steps (every --measure-every-th, default 10th).
 */
public record RunSummary(int steps, long firstStep, long lastStep, int probeSteps, Map<String, Integer> caseCounts,
                         double meanCosine, int window, double firstChosen, double lastChosen,
                         double firstRejected, double lastRejected, int evals, double evalChosenChange,
                         double evalRejectedChange, List<Switch> switches, Map<String, Integer> alertsByKind,
                         double medianStepSeconds, double medianProbeSeconds, double medianTokensPerSecond,
                         double medianProbeStepSeconds, double medianPlainStepSeconds) {

    /** Steps left out of the probe/plain step-time medians (JIT, allocator and engine warm-up). */
    public static final int WARMUP_STEPS = PreferenceTrainer.TIMING_WARMUP_STEPS;

    /** Probe cases in the order the page lists them (DESIGN.md section 1). */
    public static final List<String> CASES = List.of("ideal", "both_down", "both_up", "undefined");

    /** A change of loss at {@code step} (the first step trained with {@code to}). */
    public record Switch(long step, String from, String to) {
    }

    public static RunSummary of(EventLog log) {
        List<StepEvent> steps = log.steps();
        CaseTally tally = new CaseTally();
        steps.forEach(e -> tally.add(e.caseLabel()));
        Map<String, Integer> cases = new LinkedHashMap<>();
        CASES.forEach(c -> cases.put(c, (int) tally.count(c)));
        int probes = (int) tally.total();
        int window = Math.max(1, Math.min(10, steps.size() / 10));
        List<StepEvent> head = steps.subList(0, Math.min(window, steps.size()));
        List<StepEvent> tail = steps.subList(Math.max(0, steps.size() - window), steps.size());
        List<EvalEvent> evals = log.evals();
        double evalChosen = Double.NaN;
        double evalRejected = Double.NaN;
        if (evals.size() >= 2) {
            EvalEvent first = evals.get(0);
            EvalEvent last = evals.get(evals.size() - 1);
            evalChosen = value(last.logpsChosen()) - value(first.logpsChosen());
            evalRejected = value(last.logpsRejected()) - value(first.logpsRejected());
        }
        Map<String, Integer> alerts = new TreeMap<>();
        for (Alert a : log.alerts()) {
            if (a.state() == null || "firing".equals(a.state())) {
                alerts.merge(Objects.requireNonNullElse(a.kind(), "unknown"), 1, Integer::sum);
            }
        }
        return new RunSummary(steps.size(),
                steps.isEmpty() ? 0 : steps.get(0).step(),
                steps.isEmpty() ? 0 : steps.get(steps.size() - 1).step(),
                probes, cases, mean(steps, StepEvent::gradCosine), window,
                mean(head, StepEvent::logpsChosen), mean(tail, StepEvent::logpsChosen),
                mean(head, StepEvent::logpsRejected), mean(tail, StepEvent::logpsRejected),
                evals.size(), evalChosen, evalRejected, switches(log), alerts,
                median(steps, StepEvent::stepSeconds), median(steps, StepEvent::probeSeconds),
                median(steps, StepEvent::tokensPerSecond),
                median(afterWarmup(steps, true), StepEvent::stepSeconds),
                median(afterWarmup(steps, false), StepEvent::stepSeconds));
    }

    /** Probe step time over plain step time, medians after warm-up; NaN unless the run had both kinds. */
    public double probeOverhead() {
        return medianProbeStepSeconds / medianPlainStepSeconds;
    }

    private static List<StepEvent> afterWarmup(List<StepEvent> steps, boolean probed) {
        List<StepEvent> out = new ArrayList<>();
        for (int i = WARMUP_STEPS; i < steps.size(); i++) {
            if ((steps.get(i).lambdaChosen() != null) == probed) {
                out.add(steps.get(i));
            }
        }
        return out;
    }

    /** Fraction of probe steps with this case; NaN when no step was probed. */
    public double fraction(String caseLabel) {
        return probeSteps == 0 ? Double.NaN : caseCounts.getOrDefault(caseLabel, 0) / (double) probeSteps;
    }

    /**
     * Loss switches: a change of loss_type between consecutive steps of one run, and applied switch_loss
     * acks (the ack's step is the first step on the new loss, so both sources name the same step and are
     * merged). An ack with no step after it still shows, with the loss it left taken from the last step.
     */
    static List<Switch> switches(EventLog log) {
        List<Switch> found = new ArrayList<>();
        StepEvent previous = null;
        for (StepEvent e : log.steps()) {
            if (previous != null && Objects.equals(previous.runId(), e.runId())
                    && !Objects.equals(previous.lossType(), e.lossType())) {
                found.add(new Switch(e.step(), previous.lossType(), e.lossType()));
            }
            previous = e;
        }
        for (ControlAck ack : log.acks()) {
            if (!"applied".equals(ack.outcome()) || !"switch_loss".equals(ack.action())) {
                continue;
            }
            boolean known = found.stream().anyMatch(s -> s.step() == ack.step() && Objects.equals(s.to(), ack.lossType()));
            if (!known) {
                String from = log.steps().stream().filter(e -> e.step() < ack.step()).reduce((a, b) -> b)
                        .map(StepEvent::lossType).orElse("?");
                found.add(new Switch(ack.step(), from, ack.lossType()));
            }
        }
        found.sort((a, b) -> Long.compare(a.step(), b.step()));
        return List.copyOf(found);
    }

    static double value(Double d) {
        return d == null ? Double.NaN : d;
    }

    static <T> double[] finite(List<T> items, Function<T, Double> field) {
        return items.stream().map(field).filter(d -> d != null && Double.isFinite(d)).mapToDouble(Double::doubleValue).toArray();
    }

    static <T> double mean(List<T> items, Function<T, Double> field) {
        return Arrays.stream(finite(items, field)).average().orElse(Double.NaN);
    }

    static <T> double median(List<T> items, Function<T, Double> field) {
        double[] v = finite(items, field);
        if (v.length == 0) {
            return Double.NaN;
        }
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
