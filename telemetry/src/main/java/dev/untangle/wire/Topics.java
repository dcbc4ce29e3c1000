package dev.untangle.wire;

/** Kafka topic names (DESIGN.md section 2). Key = run id; a breaking change bumps the suffix. */
public final class Topics {
    public static final String STEPS = "untangle.steps.v1";
    public static final String EVALS = "untangle.evals.v1";
    public static final String ALERTS = "untangle.alerts.v1";
    public static final String CONTROL = "untangle.control.v1";

    private Topics() {
    }
}
