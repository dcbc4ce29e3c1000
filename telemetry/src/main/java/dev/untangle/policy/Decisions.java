package dev.untangle.policy;

import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlCommand;

import java.util.List;

/** What one event changed: alerts to publish, commands to send, and the window as last evaluated. */
public record Decisions(List<Alert> alerts, List<ControlCommand> commands, WindowStats window) {
    public static final Decisions NONE = new Decisions(List.of(), List.of(), null);
}
