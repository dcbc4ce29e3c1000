package dev.untangle.experiment;

import dev.untangle.events.EventSink;
import dev.untangle.wire.ControlAck;
import dev.untangle.wire.EvalEvent;
import dev.untangle.wire.StepEvent;

import java.util.ArrayList;
import java.util.List;

/** An in-memory event sink: an experiment keeps every step and eval event of a run to summarize it. */
public final class EventLog implements EventSink {
    private final List<StepEvent> steps = new ArrayList<>();
    private final List<EvalEvent> evals = new ArrayList<>();

    @Override
    public void step(StepEvent event) {
        steps.add(event);
    }

    @Override
    public void eval(EvalEvent event) {
        evals.add(event);
    }

    @Override
    public void ack(ControlAck ack) {
        // experiments run without control commands
    }

    @Override
    public void close() {
    }

    public List<StepEvent> steps() {
        return steps;
    }

    public List<EvalEvent> evals() {
        return evals;
    }
}
