package dev.untangle.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.untangle.wire.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSONL preference file (plain or gzip, detected by magic bytes) into {@link PreferencePair}s. The
 * layout is detected per line ({@link PreferenceFormat}), so files mixing layouts work. Blank lines are
 * ignored. Every problem is a {@link DataException} naming file, line and field; under
 * {@link BadRecordPolicy#SKIP} it is counted in {@link DataStats} instead. Checks beyond parsing:
 * empty or whitespace-only responses, identical chosen and rejected, and (HH) no shared prompt, which is
 * skipped with a count under either policy. A file that yields no pair at all is an error ("no records").
 */
public final class PreferenceReader {
    private static final ObjectReader STRICT_READER = Json.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final BadRecordPolicy policy;
    private final int maxLineBytes;

    public PreferenceReader(BadRecordPolicy policy) {
        this(policy, LineReader.DEFAULT_MAX_LINE_BYTES);
    }

    /** @param maxLineBytes longer lines are rejected ({@link BadRecord#LINE_TOO_LONG}) without being buffered */
    public PreferenceReader(BadRecordPolicy policy, int maxLineBytes) {
        this.policy = policy;
        this.maxLineBytes = maxLineBytes;
    }

    public PreferenceData read(Path file) {
        String name = InputFiles.displayName(file);
        DataStats.Tally tally = new DataStats.Tally(name);
        List<PreferencePair> pairs = new ArrayList<>();
        boolean sawRecord = false;
        try (InputStream in = InputFiles.open(file); LineReader lines = new LineReader(in, name, maxLineBytes)) {
            LineReader.Line line;
            while ((line = nextLine(lines, tally)) != null) {
                tally.line();
                if (line.error() == null && line.text().isBlank()) {
                    continue;
                }
                sawRecord = true;
                try {
                    if (line.error() != null) {
                        throw line.error();
                    }
                    pairs.add(check(parseLine(line.text(), name, line.number())));
                    tally.record();
                } catch (DataException e) {
                    handle(e, tally);
                }
            }
        } catch (IOException e) {
            throw new DataException(name, 0, null, BadRecord.TRUNCATED_INPUT, "cannot read: " + e.getMessage(), e);
        }
        DataStats stats = tally.snapshot();
        if (!sawRecord) {
            throw new DataException(name, 0, null, BadRecord.NO_RECORDS, "no records (the file is empty)");
        }
        if (pairs.isEmpty()) {
            throw new DataException(name, 0, null, BadRecord.NO_RECORDS, "no records left after skipping bad ones: "
                    + stats.summary());
        }
        return new PreferenceData(pairs, stats);
    }

    /** The next line; a stream that ends early is fatal under FAIL and ends the read under SKIP. */
    private LineReader.Line nextLine(LineReader lines, DataStats.Tally tally) {
        try {
            return lines.next();
        } catch (DataException e) {
            if (policy == BadRecordPolicy.FAIL) {
                throw e;
            }
            tally.skip(e);
            return null;
        }
    }

    private void handle(DataException e, DataStats.Tally tally) {
        if (policy == BadRecordPolicy.FAIL && e.reason() != BadRecord.NO_SHARED_PROMPT) {
            throw e;
        }
        tally.skip(e);
    }

    /** Parses one JSONL line of any supported layout. */
    public static PreferencePair parseLine(String text, String file, long line) {
        JsonNode node;
        try {
            node = STRICT_READER.readTree(text);
        } catch (JsonProcessingException e) {
            long column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
            throw new DataException(file, line, null, BadRecord.MALFORMED_JSON,
                    "malformed JSON" + (column > 0 ? " at column " + column : "") + ": "
                            + firstLine(e.getOriginalMessage()), e);
        }
        if (node == null || !node.isObject()) {
            throw new DataException(file, line, null, BadRecord.WRONG_TYPE,
                    "expected a JSON object, got " + (node == null ? "nothing" : PreferenceFormat.typeName(node)));
        }
        return PreferenceFormat.parse(node, file, line);
    }

    /** Content checks that apply to every layout. */
    public static PreferencePair check(PreferencePair pair) {
        if (pair.chosen().isBlank()) {
            throw new DataException(pair.source(), pair.line(), "chosen", BadRecord.EMPTY_RESPONSE,
                    "response is empty or whitespace only");
        }
        if (pair.rejected().isBlank()) {
            throw new DataException(pair.source(), pair.line(), "rejected", BadRecord.EMPTY_RESPONSE,
                    "response is empty or whitespace only");
        }
        if (pair.chosen().equals(pair.rejected())) {
            throw new DataException(pair.source(), pair.line(), "rejected", BadRecord.IDENTICAL_RESPONSES,
                    "identical to chosen; the pair carries no preference");
        }
        return pair;
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
