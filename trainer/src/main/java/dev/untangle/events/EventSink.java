package dev.untangle.events;

import dev.untangle.wire.ControlAck;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.StepEvent;

/** Where the trainer's telemetry goes: a JSONL file, Kafka, or both. Must never block a step for long. */
public interface EventSink extends AutoCloseable {
    void step(StepEvent event);

    void eval(EvalEvent event);

    void ack(ControlAck ack);

    @Override
    void close();

    /** Sends every event to each of the sinks, in order. */
    static EventSink all(EventSink... sinks) {
        return new EventSink() {
            @Override
            public void step(StepEvent event) {
                for (EventSink s : sinks) {
                    s.step(event);
                }
            }

            @Override
            public void eval(EvalEvent event) {
                for (EventSink s : sinks) {
                    s.eval(event);
                }
            }

            @Override
            public void ack(ControlAck ack) {
                for (EventSink s : sinks) {
                    s.ack(ack);
                }
            }

            @Override
            public void close() {
                for (EventSink s : sinks) {
                    s.close();
                }
            }
        };
    }
}
