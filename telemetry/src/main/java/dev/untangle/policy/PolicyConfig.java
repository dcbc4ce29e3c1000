package dev.untangle.policy;

import com.fasterxml.jackson.annotation.JsonMerge;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The monitor's policy: every threshold with its default and the reason for it. A YAML file names only
 * what it changes; everything else keeps the default below (the bundled resource
 * {@code dev/untangle/policy/policy.yaml} spells out every default). telemetry/POLICY.md maps each
 * threshold to the five scenario trajectories in shared/scenarios.
 *
 * <p>Windows count step events, not time: the monitor's verdict depends only on the sequence of steps,
 * so replaying a run gives the same decisions at any speed. Read-only once loaded (shared by stream
 * threads).
 */
public final class PolicyConfig {

    /** The sliding window every windowed policy looks at (DESIGN.md section 2: "sliding windows"). */
    @JsonMerge // a section in the file overrides only the keys it names
    public Window window = new Window();
    /** Chosen falling: the both_down case dominates AND the measured chosen log-prob trends down. */
    @JsonMerge
    public TrendPolicy chosenFalling = TrendPolicy.falling();
    /** Rejected rising: the both_up case dominates AND the measured rejected log-prob trends up. */
    @JsonMerge
    public TrendPolicy rejectedRising = TrendPolicy.rising();
    /** High entanglement: windowed mean gradient cosine above a threshold; a warning, never a switch. */
    @JsonMerge
    public EntanglementPolicy highEntanglement = new EntanglementPolicy();
    /** Non-finite values in loss, log-probs or gradient fields: fires at the first bad step. */
    @JsonMerge
    public NonFinitePolicy nonFinite = new NonFinitePolicy();
    /** Zero gradients (dead run, policy == reference): both norms exactly 0 for K consecutive steps. */
    @JsonMerge
    public DeadRunPolicy deadRun = new DeadRunPolicy();
    /** Saturation: loss near 0 while the margin keeps growing; the loss has stopped teaching. */
    @JsonMerge
    public SaturationPolicy saturation = new SaturationPolicy();
    /** Eval log-prob trend (untangle.evals.v1) folded into the chosen/rejected trends. */
    @JsonMerge
    public EvalTrend evals = new EvalTrend();

    /** Send switch_loss on a chosen-falling or rejected-rising fire. Never for non-finite or dead runs. */
    public boolean autoSwitch = true;
    /**
     * The loss to switch to. NPO normalizes each response's log-prob by its own gradient norm, so both
     * conditions of DESIGN.md section 1 hold whenever the gradients are not parallel.
     */
    public String switchLossType = "npo";
    /** Switch commands one run may receive; 1 = the operator decides after the first switch. */
    public int maxSwitchesPerRun = 1;
    /** Steps after a switch before another switch may be sent (only matters with maxSwitchesPerRun > 1). */
    public long switchCooldownSteps = 1000;

    public static final class Window {
        /**
         * Step events in the window (the latest N by step number). 20 steps: the healthy scenario's
         * both_down fraction never exceeds 0.25 over 20 steps, the collapse reaches 0.5 by step 110.
         * With a probe every k steps use k*N to keep N probe samples.
         */
        public int steps = 20;
        /** Probe samples (events with a defined case) a window needs before it is evaluated at all. */
        public int minProbeSteps = 10;
    }

    /** One windowed trend policy; {@link #slopeNatsPerStep} is signed (negative = falling). */
    public static final class TrendPolicy {
        public boolean enabled = true;
        /** Fire when the fraction of the wrong case over the window's probe steps is at least this. */
        public double fireFraction = 0.5;
        /** Resolve when the fraction drops below this (hysteresis band between the two). */
        public double resolveFraction = 0.3;
        /**
         * The least-squares slope of the measured log-prob over the window (nats per step) must be at
         * least this steep in the wrong direction: a dominant wrong case with a flat log-prob is noise.
         */
        public double slopeNatsPerStep;
        /** Evaluations in a row the fire (or resolve) condition must hold before the state flips. */
        public int consecutive = 3;
        /** Steps after a fire before the same alert may fire again for the run. */
        public long cooldownSteps = 100;

        static TrendPolicy falling() {
            TrendPolicy p = new TrendPolicy();
            p.slopeNatsPerStep = -0.05;
            return p;
        }

        static TrendPolicy rising() {
            TrendPolicy p = new TrendPolicy();
            p.slopeNatsPerStep = 0.05;
            return p;
        }
    }

    public static final class EntanglementPolicy {
        public boolean enabled = true;
        /** Fire when the windowed mean cosine of the chosen and rejected gradients exceeds this. */
        public double fireCosine = 0.8;
        /** Resolve when it falls below this. */
        public double resolveCosine = 0.7;
        public int consecutive = 3;
        public long cooldownSteps = 100;
    }

    public static final class NonFinitePolicy {
        public boolean enabled = true;
        /** Steps after a fire before a new non-finite episode fires again (0 = every episode). */
        public long cooldownSteps = 50;
    }

    public static final class DeadRunPolicy {
        public boolean enabled = true;
        /** Consecutive probe steps with both gradient norms exactly 0 (and nothing non-finite). */
        public int consecutiveSteps = 10;
        public long cooldownSteps = 100;
    }

    public static final class SaturationPolicy {
        public boolean enabled = true;
        /** Fire when the windowed mean loss is below this ... */
        public double maxLoss = 0.01;
        /** ... and the windowed mean rewards margin is above this (the margin DESIGN.md 1 says grows). */
        public double minMargin = 10.0;
        public int consecutive = 3;
        public long cooldownSteps = 200;
    }

    public static final class EvalTrend {
        /**
         * Weight of the eval slope in the chosen/rejected trend: trend = (1-w)*stepSlope + w*evalSlope
         * when at least {@link #minEvals} evals are known; 0 ignores evals.
         */
        public double weight = 0.0;
        /** Eval points kept per run (the slope is a least-squares fit over them). */
        public int keep = 5;
        public int minEvals = 3;
    }

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /** Every default (the same values as the bundled policy.yaml). */
    public static PolicyConfig defaults() {
        return new PolicyConfig();
    }

    /** Loads a YAML file over the defaults; unknown keys and out-of-range values fail naming the file. */
    public static PolicyConfig load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policy file " + file, e);
        }
    }

    /** Loads the bundled default policy resource. */
    public static PolicyConfig bundled() {
        try (InputStream in = PolicyConfig.class.getResourceAsStream("policy.yaml")) {
            if (in == null) {
                throw new IllegalStateException("bundled dev/untangle/policy/policy.yaml is missing");
            }
            return parse(in, "bundled policy.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PolicyConfig parse(InputStream in, String source) throws IOException {
        byte[] yaml = in.readAllBytes();
        com.fasterxml.jackson.databind.JsonNode tree = YAML.readTree(yaml);
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return new PolicyConfig(); // an empty file (or only comments) means every default
        }
        PolicyConfig config;
        try {
            config = YAML.readValue(yaml, PolicyConfig.class);
        } catch (JsonMappingException e) {
            // Jackson's message names the field path and the line/column of the offending key.
            throw new IllegalArgumentException("invalid policy " + source + ": " + e.getOriginalMessage()
                    + " at " + e.getPathReference() + " (line " + line(e) + ")", e);
        }
        List<String> problems = config.problems();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid policy " + source + ": " + String.join("; ", problems));
        }
        return config;
    }

    private static String line(JsonMappingException e) {
        return e.getLocation() == null ? "?" : Integer.toString(e.getLocation().getLineNr());
    }

    /** Range checks, each naming the field; empty when the policy is usable. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (window.steps < 2) p.add("window.steps must be >= 2, was " + window.steps);
        if (window.minProbeSteps < 2 || window.minProbeSteps > window.steps) {
            p.add("window.minProbeSteps must be in [2, window.steps], was " + window.minProbeSteps);
        }
        checkTrend(p, "chosenFalling", chosenFalling, false);
        checkTrend(p, "rejectedRising", rejectedRising, true);
        if (highEntanglement.resolveCosine > highEntanglement.fireCosine) {
            p.add("highEntanglement.resolveCosine must be <= fireCosine");
        }
        if (highEntanglement.consecutive < 1) p.add("highEntanglement.consecutive must be >= 1");
        if (deadRun.consecutiveSteps < 1) p.add("deadRun.consecutiveSteps must be >= 1");
        if (saturation.consecutive < 1) p.add("saturation.consecutive must be >= 1");
        if (evals.weight < 0 || evals.weight > 1) p.add("evals.weight must be in [0, 1], was " + evals.weight);
        if (evals.minEvals < 2 || evals.keep < evals.minEvals) p.add("evals: need 2 <= minEvals <= keep");
        if (autoSwitch && (switchLossType == null || switchLossType.isBlank())) {
            p.add("switchLossType must name a loss when autoSwitch is true");
        }
        if (maxSwitchesPerRun < 0) p.add("maxSwitchesPerRun must be >= 0");
        negative(p, "chosenFalling.cooldownSteps", chosenFalling.cooldownSteps);
        negative(p, "rejectedRising.cooldownSteps", rejectedRising.cooldownSteps);
        negative(p, "highEntanglement.cooldownSteps", highEntanglement.cooldownSteps);
        negative(p, "nonFinite.cooldownSteps", nonFinite.cooldownSteps);
        negative(p, "deadRun.cooldownSteps", deadRun.cooldownSteps);
        negative(p, "saturation.cooldownSteps", saturation.cooldownSteps);
        negative(p, "switchCooldownSteps", switchCooldownSteps);
        return p;
    }

    private static void checkTrend(List<String> p, String name, TrendPolicy t, boolean rising) {
        if (t.fireFraction <= 0 || t.fireFraction > 1) p.add(name + ".fireFraction must be in (0, 1]");
        if (t.resolveFraction < 0 || t.resolveFraction > t.fireFraction) {
            p.add(name + ".resolveFraction must be in [0, fireFraction]");
        }
        if (rising ? t.slopeNatsPerStep < 0 : t.slopeNatsPerStep > 0) {
            p.add(name + ".slopeNatsPerStep must be " + (rising ? ">= 0" : "<= 0") + ", was " + t.slopeNatsPerStep);
        }
        if (t.consecutive < 1) p.add(name + ".consecutive must be >= 1");
    }

    private static void negative(List<String> p, String name, long value) {
        if (value < 0) p.add(name + " must be >= 0, was " + value);
    }
}
