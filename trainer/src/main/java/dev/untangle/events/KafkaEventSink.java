package dev.untangle.events;

import dev.untangle.publish.TelemetryPublisher;
import dev.untangle.wire.ControlAck;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.StepEvent;

/** Step, eval and ack events to Kafka through the spooling publisher (never blocks a step for long). */
public final class KafkaEventSink implements EventSink {
    private final TelemetryPublisher publisher;

    public KafkaEventSink(TelemetryPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public void step(StepEvent event) {
        publisher.publishStep(event);
    }

    @Override
    public void eval(EvalEvent event) {
        publisher.publishEval(event);
    }

    @Override
    public void ack(ControlAck ack) {
        publisher.publishAck(ack);
    }

    @Override
    public void close() {
        publisher.close();
    }
}
