package dev.untangle.events;

import dev.untangle.metrics.TrainerMetrics;
import dev.untangle.wire.ControlAck;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.StepEvent;

/** Feeds the trainer's Prometheus meters from the same events that go to the file and to Kafka. */
public final class MetricsSink implements EventSink {
    private final TrainerMetrics metrics;

    public MetricsSink(TrainerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void step(StepEvent event) {
        metrics.recordStep(event);
        if (nonFinite(event.loss()) || nonFinite(event.gradNormChosen()) || nonFinite(event.gradNormRejected())) {
            metrics.recordSkippedNonFinite(event.lossType());
        }
    }

    private static boolean nonFinite(Double v) {
        return v != null && !Double.isFinite(v);
    }

    @Override
    public void eval(EvalEvent event) {
    }

    @Override
    public void ack(ControlAck ack) {
        if ("applied".equals(ack.outcome()) && "switch_loss".equals(ack.action())) {
            metrics.recordLossSwitch(ack.lossType());
        }
    }

    @Override
    public void close() {
    }
}
