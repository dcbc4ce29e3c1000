package dev.untangle.policy;

/**
 * The sliding window's summary at one evaluation. A statistic with too few finite samples is NaN here
 * (it never reaches a metric: {@link dev.untangle.metrics.MonitorMetrics} skips non-finite values).
 *
 * @param probeSteps      samples with a defined case (ideal, both_down, both_up)
 * @param bothDownFraction fraction of those in case both_down (chosen falls, DESIGN.md section 1)
 * @param bothUpFraction   fraction in case both_up (rejected rises)
 * @param chosenSlope      least-squares slope of logps_chosen over the window, nats per step
 * @param rejectedSlope    same for logps_rejected
 * @param meanCosine       mean gradient cosine over finite samples
 * @param meanLoss         mean loss over finite samples
 * @param meanMargin       mean rewards margin over finite samples
 */
public record WindowStats(int probeSteps, double bothDownFraction, double bothUpFraction,
                          double chosenSlope, double rejectedSlope, double meanCosine,
                          double meanLoss, double meanMargin) {
}
