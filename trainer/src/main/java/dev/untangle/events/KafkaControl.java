package dev.untangle.events;

import dev.untangle.control.ControlListener;
import dev.untangle.preference.ControlSource;
import dev.untangle.wire.ControlCommand;

import java.util.List;

/** Control commands from the Kafka control topic, already validated by the listener. */
public final class KafkaControl implements ControlSource {
    private final ControlListener listener;

    public KafkaControl(ControlListener listener) {
        this.listener = listener;
    }

    @Override
    public List<ControlCommand> poll(long currentStep) {
        listener.setCurrentStep(currentStep);
        return listener.drainAccepted();
    }

    @Override
    public void close() {
        listener.close();
    }
}
