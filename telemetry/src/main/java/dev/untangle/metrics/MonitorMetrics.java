package dev.untangle.metrics;

import dev.untangle.policy.WindowStats;
import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlCommand;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The monitor's meters (DESIGN.md section 2: names from {@link MetricNames}, labels run_id and
 * loss_type only, a description on every meter). Gauges are registered per run on first use and only
 * ever take finite values: a non-finite statistic is skipped, so no NaN is ever exported. Thread-safe;
 * the registry is passed in.
 */
public final class MonitorMetrics {
    private final MeterRegistry registry;
    private final Map<String, RunGauges> runs = new ConcurrentHashMap<>();
    private final AtomicLong inputRecords = new AtomicLong();
    /** Counters by name and tag values: building and registering a meter per event is a hot-path cost. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public MonitorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Every record the monitor has read (events, duplicates, bad events), for tests and replays. */
    public long inputRecords() {
        return inputRecords.get();
    }

    public void inputRecord() {
        inputRecords.incrementAndGet();
    }

    /** A de-duplicated step event was evaluated. */
    public void stepEvent(String runId, String lossType, long step, String time) {
        String loss = lossType == null ? "unknown" : lossType;
        counters.computeIfAbsent(MetricNames.MONITOR_EVENTS + '|' + runId + '|' + loss, k -> Counter.builder(MetricNames.MONITOR_EVENTS)
                .description("Step events the monitor evaluated (duplicates and bad events excluded)")
                .tags(MetricNames.TAG_RUN, runId, MetricNames.TAG_LOSS, loss)
                .register(registry)).increment();
        RunGauges g = gauges(runId);
        g.lastStep.set(step);
        Double seconds = epochSeconds(time);
        if (seconds != null) {
            g.lastEventTime.set(seconds);
        }
    }

    public void duplicate(String runId) {
        Counter.builder(MetricNames.MONITOR_DUPLICATES)
                .description("Step events dropped because the same run and step was already seen")
                .tags(MetricNames.TAG_RUN, runId).register(registry).increment();
    }

    public void badEvent(String runId) {
        Counter.builder(MetricNames.MONITOR_BAD_EVENTS)
                .description("Input records that could not be parsed or validated (each raises a bad_event alert)")
                .tags(MetricNames.TAG_RUN, runId).register(registry).increment();
    }

    /** The window as last evaluated; non-finite fractions are skipped (the gauge keeps its last value). */
    public void window(String runId, WindowStats stats) {
        if (stats == null) {
            return;
        }
        RunGauges g = gauges(runId);
        g.bothDown.set(stats.bothDownFraction());
        g.bothUp.set(stats.bothUpFraction());
    }

    public void alert(Alert alert) {
        Counter.builder(MetricNames.MONITOR_ALERTS)
                .description("Alert transitions (firing and resolved) the monitor published, all kinds")
                .tags(MetricNames.TAG_RUN, alert.runId()).register(registry).increment();
        if (!Alert.Kind.BAD_EVENT.wire().equals(alert.kind())) {
            gauges(alert.runId()).firing(alert.kind()).set("firing".equals(alert.state()) ? 1.0 : 0.0);
        }
    }

    public void switchCommand(ControlCommand command) {
        Counter.builder(MetricNames.MONITOR_SWITCH_COMMANDS)
                .description("switch_loss commands the monitor sent, labelled with the target loss")
                .tags(MetricNames.TAG_RUN, command.runId(), MetricNames.TAG_LOSS, command.lossType())
                .register(registry).increment();
    }

    /**
     * Consumer lag of the monitor: the largest records-lag-max of its consumers. Kafka reports NaN
     * before the first fetch; that is exported as 0 (never NaN).
     */
    public void bindStreams(KafkaStreams streams) {
        Gauge.builder(MetricNames.MONITOR_CONSUMER_LAG, streams, MonitorMetrics::maxRecordsLag)
                .description("Largest records-lag-max over the monitor's consumers, in records (0 before the first fetch)")
                .register(registry);
    }

    static double maxRecordsLag(KafkaStreams streams) {
        double max = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (e.getKey().name().equals("records-lag-max")
                    && e.getKey().group().equals("consumer-fetch-manager-metrics")
                    && e.getValue().metricValue() instanceof Double v && Double.isFinite(v)) {
                max = Math.max(max, v);
            }
        }
        return max;
    }

    private RunGauges gauges(String runId) {
        return runs.computeIfAbsent(runId, id -> new RunGauges(registry, id));
    }

    private static Double epochSeconds(String time) {
        if (time == null) {
            return null;
        }
        try {
            return Instant.parse(time).toEpochMilli() / 1000.0;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** A gauge value that ignores non-finite updates; registered on its first finite value. */
    private static final class FiniteValue {
        private final MeterRegistry registry;
        private final String name;
        private final String description;
        private final String runId;
        private volatile double value;
        private volatile boolean registered;

        FiniteValue(MeterRegistry registry, String name, String description, String runId) {
            this.registry = registry;
            this.name = name;
            this.description = description;
            this.runId = runId;
        }

        void set(double v) {
            if (!Double.isFinite(v)) {
                return;
            }
            value = v;
            if (!registered) {
                synchronized (this) {
                    if (!registered) {
                        Gauge.builder(name, this, f -> f.value).description(description)
                                .tags(MetricNames.TAG_RUN, runId).register(registry);
                        registered = true;
                    }
                }
            }
        }
    }

    private static final class RunGauges {
        final MeterRegistry registry;
        final String runId;
        final FiniteValue lastStep;
        final FiniteValue lastEventTime;
        final FiniteValue bothDown;
        final FiniteValue bothUp;
        final Map<String, FiniteValue> firing = new ConcurrentHashMap<>();

        RunGauges(MeterRegistry registry, String runId) {
            this.registry = registry;
            this.runId = runId;
            lastStep = new FiniteValue(registry, MetricNames.MONITOR_LAST_STEP,
                    "Highest step the monitor has evaluated for the run", runId);
            lastEventTime = new FiniteValue(registry, MetricNames.MONITOR_LAST_EVENT_TIME,
                    "Event time of the latest evaluated step, seconds since the epoch", runId);
            bothDown = new FiniteValue(registry, MetricNames.MONITOR_FRACTION_BOTH_DOWN,
                    "Fraction of probe steps in case both_down over the policy window (chosen falls)", runId);
            bothUp = new FiniteValue(registry, MetricNames.MONITOR_FRACTION_BOTH_UP,
                    "Fraction of probe steps in case both_up over the policy window (rejected rises)", runId);
        }

        FiniteValue firing(String kind) {
            return firing.computeIfAbsent(kind, k -> new FiniteValue(registry, MetricNames.alertFiring(k),
                    "1 while the " + k + " alert is firing for the run, else 0", runId));
        }
    }
}
