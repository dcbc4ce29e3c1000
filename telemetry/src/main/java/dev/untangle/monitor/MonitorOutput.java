package dev.untangle.monitor;

import dev.untangle.wire.Alert;
import dev.untangle.wire.ControlCommand;

/** One decision on its way out: an alert (to the alerts topic) or a command (to the control topic). */
record MonitorOutput(Alert alert, ControlCommand command) {
    static MonitorOutput of(Alert alert) {
        return new MonitorOutput(alert, null);
    }

    static MonitorOutput of(ControlCommand command) {
        return new MonitorOutput(null, command);
    }
}
