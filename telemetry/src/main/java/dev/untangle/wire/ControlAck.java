package dev.untangle.wire;

/**
 * The trainer's answer to a control command, published on the steps topic's sibling control-ack
 * stream (the alerts topic) so operators see it: applied or rejected, and why.
 */
public record ControlAck(
        String schema,
        String commandId,
        String runId,
        long step,
        String time,
        String action,
        String lossType,
        String outcome,
        String detail) {

    public static final String SCHEMA = "untangle.control-ack.v1";
}
