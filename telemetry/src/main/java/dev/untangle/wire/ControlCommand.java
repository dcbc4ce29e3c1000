package dev.untangle.wire;

/**
 * A command to a running trainer (DESIGN.md section 2). The trainer applies it once (command_id), only
 * for its own run, only for a known loss; {@code signature} is a hex HMAC-SHA256 over
 * {@link #signedPayload()} when a key is configured.
 */
public record ControlCommand(
        String schema,
        String commandId,
        String runId,
        long issuedAtStep,
        String action,
        String lossType,
        String reason,
        String signature) {

    public static final String SCHEMA = "untangle.control.v1";

    public enum Action {
        SWITCH_LOSS, CHECKPOINT, PAUSE, RESUME;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The bytes covered by the signature: every field but the signature, in a fixed order. */
    public String signedPayload() {
        return String.join("\n", schema, commandId, runId, Long.toString(issuedAtStep), action,
                lossType == null ? "" : lossType, reason == null ? "" : reason);
    }
}
