package dev.untangle.data;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one read produced: lines seen, records kept, records skipped by reason, pairs truncated by the
 * encoder. Immutable; {@link Tally} is the mutable counter a reader owns while it reads.
 */
public record DataStats(String source, long lines, long records, Map<BadRecord, Long> skipped, long truncated) {

    public DataStats {
        EnumMap<BadRecord, Long> copy = new EnumMap<>(BadRecord.class);
        copy.putAll(skipped);
        skipped = Collections.unmodifiableMap(copy);
    }

    public long skipped(BadRecord reason) {
        return skipped.getOrDefault(reason, 0L);
    }

    public long skippedTotal() {
        return skipped.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The same read with the encoder's count of truncated pairs filled in. */
    public DataStats withTruncated(long truncatedPairs) {
        return new DataStats(source, lines, records, skipped, truncatedPairs);
    }

    /** One line for logs: {@code hh.jsonl.gz: 2312 lines, 2304 records, 8 skipped (no_shared_prompt 4, ...), 0 truncated}. */
    public String summary() {
        String reasons = skipped.entrySet().stream()
                .map(e -> e.getKey().label() + " " + e.getValue())
                .collect(Collectors.joining(", "));
        return source + ": " + lines + " lines, " + records + " records, " + skippedTotal() + " skipped"
                + (reasons.isEmpty() ? "" : " (" + reasons + ")") + ", " + truncated + " truncated";
    }

    /** Mutable counter owned by one reader for the duration of one read. */
    public static final class Tally {
        private final String source;
        private final EnumMap<BadRecord, Long> skipped = new EnumMap<>(BadRecord.class);
        private long lines;
        private long records;

        public Tally(String source) {
            this.source = source;
        }

        public void line() {
            lines++;
        }

        public void record() {
            records++;
        }

        public void skip(BadRecord reason) {
            skipped.merge(reason, 1L, Long::sum);
        }

        public long records() {
            return records;
        }

        public DataStats snapshot() {
            return new DataStats(source, lines, records, skipped, 0);
        }
    }
}
