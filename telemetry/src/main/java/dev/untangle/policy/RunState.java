package dev.untangle.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the monitor remembers about one run between events: the sliding window of recent steps, one
 * {@link Latch} per alert kind, the dead-run streak and the switches sent. Stored as JSON in the
 * monitor's RocksDB store (changelogged), so a restarted monitor resumes with the same decisions.
 * Owned by the one stream task that processes the run's partition.
 */
public final class RunState {
    public String runId;
    /** Loss type of the latest step event (used to avoid switching a run to the loss it already uses). */
    public String lossType;
    /** Highest step seen (alerts from the window are stamped with it). */
    public long latestStep = -1;
    /** The latest {@code window.steps} step events, ascending by step. */
    public List<Sample> window = new ArrayList<>();
    /** One latch per alert kind wire name. */
    public Map<String, Latch> latches = new TreeMap<>();
    /** Consecutive probe steps with both gradient norms exactly 0. */
    public int zeroGradientStreak;
    public int switchesSent;
    public Long lastSwitchStep;
    /** The latest eval points, ascending by step. */
    public List<EvalPoint> evals = new ArrayList<>();

    public RunState() {
    }

    public RunState(String runId) {
        this.runId = runId;
    }

    Latch latch(String kind) {
        return latches.computeIfAbsent(kind, k -> new Latch());
    }

    /** The part of a step event the windowed policies need; values may be null (missing) or NaN. */
    public record Sample(long step, String caseLabel, Double logpsChosen, Double logpsRejected,
                         Double gradCosine, Double loss, Double rewardsMargin) {
    }

    public record EvalPoint(long step, Double logpsChosen, Double logpsRejected) {
    }

    /**
     * Hysteresis and cooldown for one alert kind: the fire condition must hold for N evaluations in a
     * row to fire, the resolve condition N in a row to resolve, and a fired alert cannot fire again
     * within its cooldown (in steps) of the last fire.
     */
    public static final class Latch {
        public boolean firing;
        public int fireStreak;
        public int resolveStreak;
        public Long lastFiredStep;
    }
}
