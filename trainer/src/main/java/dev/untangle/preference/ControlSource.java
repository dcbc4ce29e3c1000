package dev.untangle.preference;

import dev.untangle.wire.ControlCommand;

import java.util.List;

/**
 * Control commands that passed validation (own run, known action and loss, fresh id, good signature),
 * handed to the trainer at step boundaries. Validation lives with the Kafka consumer.
 */
public interface ControlSource extends AutoCloseable {
    /** Accepted commands since the last call; {@code currentStep} lets the source reject future ones. */
    List<ControlCommand> poll(long currentStep);

    @Override
    default void close() {
    }

    ControlSource NONE = step -> List.of();
}
