package dev.untangle.data;

import java.util.Locale;

/**
 * Why a record (a line, a pair, an archive entry) could not be used. Every {@link DataException} carries
 * one, and {@link DataStats} counts skipped records by it, so a run's log says exactly what was dropped.
 */
public enum BadRecord {
    MALFORMED_JSON,
    MISSING_FIELD,
    WRONG_TYPE,
    INVALID_VALUE,
    /** HH-RLHF: rejected does not start with the prompt cut from chosen. Always skipped, never fatal. */
    NO_SHARED_PROMPT,
    NO_ASSISTANT_TURN,
    EMPTY_RESPONSE,
    IDENTICAL_RESPONSES,
    INVALID_UTF8,
    LINE_TOO_LONG,
    /** The byte stream ended early (a truncated or corrupt .gz or tar). */
    TRUNCATED_INPUT,
    NO_RECORDS;

    /** snake_case name used in logs and summaries. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
