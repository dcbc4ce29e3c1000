package dev.untangle.data;

import java.util.Locale;

/**
 * What a reader does with a bad record ({@code --on-bad-record fail|skip}). The default is FAIL: a week-long
 * run should not silently train on a file that is not what its owner thinks it is. Under SKIP the record
 * is dropped and counted by {@link BadRecord} in {@link DataStats}.
 *
 * <p>One exception in both modes: HH-RLHF pairs whose rejected dialogue does not share the chosen one's
 * prompt are always skipped with a count, because the published harmless-base test file has 4 of them.
 */
public enum BadRecordPolicy {
    FAIL,
    SKIP;

    /** Parses the command-line spelling, "fail" or "skip" (case-insensitive). */
    public static BadRecordPolicy parse(String text) {
        for (BadRecordPolicy p : values()) {
            if (p.name().equalsIgnoreCase(text.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("--on-bad-record: expected fail or skip, got '" + text + "'");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
