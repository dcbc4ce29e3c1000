package dev.untangle.wire;

/**
 * A monitor decision an operator should see. {@code kind} is one of {@link Kind}'s wire names;
 * {@code state} is "firing" or "resolved".
 */
public record Alert(
        String schema,
        String alertId,
        String runId,
        long step,
        String time,
        String kind,
        String state,
        String severity,
        String reason,
        Double value,
        Double threshold) {

    public static final String SCHEMA = "untangle.alert.v1";

    /** Alert kinds; wire names are the lower-case snake forms. */
    public enum Kind {
        CHOSEN_FALLING, REJECTED_RISING, HIGH_ENTANGLEMENT, NON_FINITE, DEAD_RUN, SATURATION, BAD_EVENT;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
