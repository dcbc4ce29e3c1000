package dev.untangle.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What one read produced: lines seen, records kept, records skipped by reason, pairs truncated by the
 * encoder, and the messages of the first {@value #EXAMPLES} skipped records (so a log can say which lines
 * were dropped, not only how many). Immutable; {@link Tally} is the mutable counter a reader owns while it
 * reads.
 */
public record DataStats(String source, long lines, long records, Map<BadRecord, Long> skipped, long truncated,
                        List<String> skipExamples) {
    /** How many skip messages are kept as examples. */
    public static final int EXAMPLES = 10;

    public DataStats {
        EnumMap<BadRecord, Long> copy = new EnumMap<>(BadRecord.class);
        copy.putAll(skipped);
        skipped = Collections.unmodifiableMap(copy);
        skipExamples = List.copyOf(skipExamples);
    }

    public long skipped(BadRecord reason) {
        return skipped.getOrDefault(reason, 0L);
    }

    public long skippedTotal() {
        return skipped.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The same read with the encoder's count of truncated pairs filled in. */
    public DataStats withTruncated(long truncatedPairs) {
        return new DataStats(source, lines, records, skipped, truncatedPairs, skipExamples);
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
        private final List<String> examples = new ArrayList<>();
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

        public void skip(DataException e) {
            skipped.merge(e.reason(), 1L, Long::sum);
            if (examples.size() < EXAMPLES) {
                examples.add(e.getMessage());
            }
        }

        public long records() {
            return records;
        }

        public DataStats snapshot() {
            return new DataStats(source, lines, records, skipped, 0, examples);
        }
    }
}
