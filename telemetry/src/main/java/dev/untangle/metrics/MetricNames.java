package dev.untangle.metrics;

/**
 * Every meter name of the project in one place (DESIGN.md section 2: prefix untangle_, base units,
 * _total for counters, labels run_id and loss_type only). Micrometer names are dotted; the Prometheus
 * registry renders "untangle.logps.chosen" as untangle_logps_chosen and appends _total to counters.
 * Alert kinds are separate meters because "kind" is not an allowed label.
 */
public final class MetricNames {
    public static final String TAG_RUN = "run_id";
    public static final String TAG_LOSS = "loss_type";

    // trainer: gauges of the latest step
    public static final String STEP = "untangle.step";                       // untangle_step
    public static final String LOSS = "untangle.loss";                       // untangle_loss
    public static final String LOGPS_CHOSEN = "untangle.logps.chosen";       // nats, batch mean
    public static final String LOGPS_REJECTED = "untangle.logps.rejected";
    public static final String REWARDS_MARGIN = "untangle.rewards.margin";
    public static final String REWARDS_ACCURACY = "untangle.rewards.accuracy";
    public static final String GRAD_COSINE = "untangle.grad.cosine";
    public static final String GRAD_INNER_PRODUCT = "untangle.grad.inner.product";
    public static final String RATIO_CHOSEN = "untangle.ratio.chosen";
    public static final String RATIO_REJECTED = "untangle.ratio.rejected";
    public static final String STEP_SECONDS = "untangle.step.seconds";       // gauge, last step wall time
    public static final String PROBE_SECONDS = "untangle.probe.seconds";     // gauge, last probe wall time
    public static final String TOKENS_PER_SECOND = "untangle.tokens.per.second";
    // trainer: counters
    public static final String STEPS_IDEAL = "untangle.steps.ideal";         // untangle_steps_ideal_total
    public static final String STEPS_BOTH_DOWN = "untangle.steps.both.down";
    public static final String STEPS_BOTH_UP = "untangle.steps.both.up";
    public static final String STEPS_UNDEFINED = "untangle.steps.undefined";
    public static final String STEPS_SKIPPED_NON_FINITE = "untangle.steps.skipped.nonfinite";
    public static final String LOSS_SWITCHES = "untangle.loss.switches";
    public static final String CONTROL_REJECTED = "untangle.control.rejected";
    public static final String EVENTS_SENT = "untangle.events.sent";
    public static final String EVENTS_SPOOLED = "untangle.events.spooled";
    public static final String EVENTS_DROPPED = "untangle.events.dropped";
    public static final String SPOOL_EVENTS = "untangle.spool.events";        // gauge, events waiting

    // monitor
    public static final String MONITOR_EVENTS = "untangle.monitor.events";             // counter
    public static final String MONITOR_DUPLICATES = "untangle.monitor.duplicate.events"; // counter
    public static final String MONITOR_BAD_EVENTS = "untangle.monitor.bad.events";     // counter
    public static final String MONITOR_ALERTS = "untangle.monitor.alerts";             // counter, all kinds
    public static final String MONITOR_SWITCH_COMMANDS = "untangle.monitor.switch.commands"; // counter
    public static final String MONITOR_LAST_EVENT_TIME = "untangle.monitor.last.event.timestamp.seconds";
    public static final String MONITOR_LAST_STEP = "untangle.monitor.last.step";
    public static final String MONITOR_FRACTION_BOTH_DOWN = "untangle.monitor.window.both.down.ratio";
    public static final String MONITOR_FRACTION_BOTH_UP = "untangle.monitor.window.both.up.ratio";
    public static final String MONITOR_CONSUMER_LAG = "untangle.monitor.consumer.lag.records";
    /** Per alert kind, a 0/1 gauge: untangle_alert_&lt;kind&gt;_firing. */
    public static String alertFiring(String kindWire) {
        return "untangle.alert." + kindWire.replace('_', '.') + ".firing";
    }

    private MetricNames() {
    }
}
