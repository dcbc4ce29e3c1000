package dev.untangle.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

import dev.untangle.control.ControlListener;
import dev.untangle.publish.TelemetryPublisher;
import dev.untangle.wire.StepEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The trainer's meters (DESIGN.md section 2, Metrics; names in {@link MetricNames}), on a registry the
 * caller passes in. Gauges show the latest step event and carry the labels run_id and loss_type; when
 * the loss changes (a switch), the old loss's gauges are removed so a dashboard shows one current
 * series. A missing (null) or non-finite value never reaches a gauge: the gauge keeps its previous value,
 * or does not exist yet. Counters: steps per entanglement case, loss switches, rejected control
 * commands, telemetry events sent/spooled/dropped; a gauge for the spool size.
 */
public final class TrainerMetrics {

    /** One gauge's latest value; the gauge reads it on scrape. */
    private static final class Latest {
        volatile double value;
    }

    private record GaugeSpec(String name, String description, ToDoubleFunction<StepEvent> field) {
    }

    private static final List<GaugeSpec> STEP_GAUGES = List.of(
            new GaugeSpec(MetricNames.STEP, "Optimizer step of the latest step event", e -> e.step()),
            new GaugeSpec(MetricNames.LOSS, "Training loss of the latest step", e -> value(e.loss())),
            new GaugeSpec(MetricNames.LOGPS_CHOSEN,
                    "Batch mean of summed chosen-response log-probabilities, nats", e -> value(e.logpsChosen())),
            new GaugeSpec(MetricNames.LOGPS_REJECTED,
                    "Batch mean of summed rejected-response log-probabilities, nats", e -> value(e.logpsRejected())),
            new GaugeSpec(MetricNames.REWARDS_MARGIN, "Mean implicit reward margin, beta*(policy - reference)",
                    e -> value(e.rewardsMargin())),
            new GaugeSpec(MetricNames.REWARDS_ACCURACY, "Fraction of pairs whose chosen reward exceeds the rejected",
                    e -> value(e.rewardsAccuracy())),
            new GaugeSpec(MetricNames.GRAD_COSINE, "Cosine between the chosen and rejected gradients (probe)",
                    e -> value(e.gradCosine())),
            new GaugeSpec(MetricNames.GRAD_INNER_PRODUCT, "Inner product of chosen and rejected gradients (probe)",
                    e -> value(e.gradInnerProduct())),
            new GaugeSpec(MetricNames.RATIO_CHOSEN,
                    "Entanglement condition ratio for the chosen side; above 1 the chosen log-prob falls",
                    e -> value(e.ratioChosen())),
            new GaugeSpec(MetricNames.RATIO_REJECTED,
                    "Entanglement condition ratio for the rejected side; above 1 the rejected log-prob rises",
                    e -> value(e.ratioRejected())),
            new GaugeSpec(MetricNames.STEP_SECONDS, "Wall time of the latest optimizer step, seconds",
                    e -> value(e.stepSeconds())),
            new GaugeSpec(MetricNames.PROBE_SECONDS, "Wall time of the latest entanglement probe, seconds",
                    e -> value(e.probeSeconds())),
            new GaugeSpec(MetricNames.TOKENS_PER_SECOND, "Training throughput of the latest step, tokens per second",
                    e -> value(e.tokensPerSecond())));

    private static final Map<String, String> CASE_COUNTERS = Map.of(
            "ideal", MetricNames.STEPS_IDEAL,
            "both_down", MetricNames.STEPS_BOTH_DOWN,
            "both_up", MetricNames.STEPS_BOTH_UP,
            "undefined", MetricNames.STEPS_UNDEFINED);

    private final MeterRegistry registry;
    private final String runId;
    private final Map<String, Latest> latest = new HashMap<>();
    private final List<Meter> lossGauges = new ArrayList<>();
    private String gaugeLossType;

    public TrainerMetrics(MeterRegistry registry, String runId) {
        this.registry = Objects.requireNonNull(registry);
        this.runId = Objects.requireNonNull(runId);
    }

    private static double value(Double d) {
        return d == null ? Double.NaN : d;
    }

    private Tags tags(String lossType) {
        return Tags.of(MetricNames.TAG_RUN, runId, MetricNames.TAG_LOSS, lossType == null ? "none" : lossType);
    }

    /** Updates the gauges from one step event and counts its entanglement case. */
    public synchronized void recordStep(StepEvent event) {
        String lossType = event.lossType() == null ? "none" : event.lossType();
        if (!lossType.equals(gaugeLossType)) {
            // a new loss: its series replace the old loss's (previous values stay meaningful per loss)
            lossGauges.forEach(registry::remove);
            lossGauges.clear();
            latest.clear();
            gaugeLossType = lossType;
        }
        for (GaugeSpec spec : STEP_GAUGES) {
            double v = spec.field().applyAsDouble(event);
            if (!Double.isFinite(v)) {
                continue; // keep the previous value; NaN never reaches Prometheus
            }
            Latest holder = latest.get(spec.name());
            if (holder == null) {
                holder = new Latest();
                latest.put(spec.name(), holder);
                lossGauges.add(Gauge.builder(spec.name(), holder, h -> h.value)
                        .description(spec.description()).tags(tags(lossType)).register(registry));
            }
            holder.value = v;
        }
        String counter = event.caseLabel() == null ? null : CASE_COUNTERS.get(event.caseLabel());
        if (counter != null) {
            Counter.builder(counter).description("Optimizer steps whose probe case was " + event.caseLabel())
                    .tags(tags(lossType)).register(registry).increment();
        }
    }

    /** A step skipped because its loss or gradient was not finite. */
    public void recordSkippedNonFinite(String lossType) {
        Counter.builder(MetricNames.STEPS_SKIPPED_NON_FINITE)
                .description("Optimizer steps skipped because the loss or gradient was not finite")
                .tags(tags(lossType)).register(registry).increment();
    }

    /** A loss switch applied by the trainer; tagged with the loss switched to. */
    public void recordLossSwitch(String toLossType) {
        Counter.builder(MetricNames.LOSS_SWITCHES).description("Loss switches applied by the trainer")
                .tags(tags(toLossType)).register(registry).increment();
    }

    /** Exports the publisher's sent/spooled/dropped counts and its spool size (run_id label only). */
    public void bindPublisher(TelemetryPublisher publisher) {
        Tags runTag = Tags.of(MetricNames.TAG_RUN, runId);
        FunctionCounter.builder(MetricNames.EVENTS_SENT, publisher, TelemetryPublisher::sentCount)
                .description("Telemetry events acknowledged by Kafka").tags(runTag).register(registry);
        FunctionCounter.builder(MetricNames.EVENTS_SPOOLED, publisher, TelemetryPublisher::spooledCount)
                .description("Telemetry events written to the local spool while Kafka was unreachable")
                .tags(runTag).register(registry);
        FunctionCounter.builder(MetricNames.EVENTS_DROPPED, publisher, TelemetryPublisher::droppedCount)
                .description("Telemetry events lost: queue or spool full, or refused by the broker")
                .tags(runTag).register(registry);
        Gauge.builder(MetricNames.SPOOL_EVENTS, publisher, TelemetryPublisher::spoolSize)
                .description("Telemetry events waiting in the local spool").tags(runTag).register(registry);
    }

    /** Exports the control listener's rejected-command count (run_id label only). */
    public void bindControl(ControlListener listener) {
        FunctionCounter.builder(MetricNames.CONTROL_REJECTED, listener, ControlListener::rejectedCount)
                .description("Control commands rejected by the trainer (bad run, action, loss, signature, replay...)")
                .tags(Tags.of(MetricNames.TAG_RUN, runId)).register(registry);
    }
}
