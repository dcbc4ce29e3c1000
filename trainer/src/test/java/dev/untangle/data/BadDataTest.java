package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus (test resources bad-data/): one test per case. Under FAIL the one-line message must
 * name file, line and field exactly; under SKIP the good records survive and the bad one is counted.
 */
class BadDataTest {
    @TempDir
    Path tmp;

    private static DataException failOn(String resource) {
        return assertThrows(DataException.class,
                () -> new PreferenceReader(BadRecordPolicy.FAIL).read(TestFiles.resource("bad-data/" + resource)));
    }

    private static PreferenceData skip(String resource) {
        return new PreferenceReader(BadRecordPolicy.SKIP).read(TestFiles.resource("bad-data/" + resource));
    }

    private static void assertLocated(DataException e, String file, long line, String field, BadRecord reason) {
        assertEquals(file, e.file(), e.getMessage());
        assertEquals(line, e.line(), e.getMessage());
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void malformedJson() {
        DataException e = failOn("malformed-json.jsonl");
        assertLocated(e, "malformed-json.jsonl", 2, null, BadRecord.MALFORMED_JSON);
        assertTrue(e.getMessage().startsWith("malformed-json.jsonl:2: malformed JSON at column "), e.getMessage());
        PreferenceData data = skip("malformed-json.jsonl");
        assertEquals(2, data.pairs().size());
        assertEquals(1, data.stats().skipped(BadRecord.MALFORMED_JSON));
        assertEquals(3, data.pairs().get(1).line());
    }

    @Test
    void wrongType() {
        DataException e = failOn("wrong-type.jsonl");
        assertEquals("wrong-type.jsonl:3: field 'chosen': expected a string or a list of messages, got number",
                e.getMessage());
        assertLocated(e, "wrong-type.jsonl", 3, "chosen", BadRecord.WRONG_TYPE);
        assertEquals(1, skip("wrong-type.jsonl").stats().skipped(BadRecord.WRONG_TYPE));
    }

    @Test
    void missingField() {
        DataException e = failOn("missing-field.jsonl");
        assertEquals("missing-field.jsonl:2: field 'rejected': missing", e.getMessage());
        assertLocated(e, "missing-field.jsonl", 2, "rejected", BadRecord.MISSING_FIELD);
        PreferenceData data = skip("missing-field.jsonl");
        assertEquals(1, data.pairs().size());
        assertEquals(1, data.stats().skipped(BadRecord.MISSING_FIELD));
    }

    @Test
    void notAnObject() {
        DataException e = failOn("not-an-object.jsonl");
        assertEquals("not-an-object.jsonl:2: expected a JSON object, got list", e.getMessage());
        assertLocated(e, "not-an-object.jsonl", 2, null, BadRecord.WRONG_TYPE);
    }

    @Test
    void unknownRoleNamesTheMessageField() {
        DataException e = failOn("unknown-role.jsonl");
        assertEquals("unknown-role.jsonl:2: field 'prompt[0].role': unknown role 'bot'; expected user, assistant or system",
                e.getMessage());
    }

    @Test
    void openAiNestedFieldsAreNamedByPath() {
        DataException e = failOn("openai-bad-content.jsonl");
        assertEquals("openai-bad-content.jsonl:1: field 'preferred_output[0].content': expected a string or a list "
                + "of text parts, got number", e.getMessage());
        assertEquals("openai-missing-output.jsonl:1: field 'non_preferred_output': missing",
                failOn("openai-missing-output.jsonl").getMessage());
        // nothing usable is left under skip: still an error, with the counts
        DataException none = assertThrows(DataException.class, () -> skip("openai-bad-content.jsonl"));
        assertEquals("openai-bad-content.jsonl: no records left after skipping bad ones: openai-bad-content.jsonl: "
                + "1 lines, 0 records, 1 skipped (wrong_type 1), 0 truncated", none.getMessage());
    }

    @Test
    void emptyAndWhitespaceOnlyResponses() {
        DataException e = failOn("empty-responses.jsonl");
        assertEquals("empty-responses.jsonl:2: field 'chosen': response is empty or whitespace only", e.getMessage());
        assertLocated(e, "empty-responses.jsonl", 2, "chosen", BadRecord.EMPTY_RESPONSE);
        PreferenceData data = skip("empty-responses.jsonl");
        assertEquals(2, data.stats().skipped(BadRecord.EMPTY_RESPONSE), "line 2 empty, line 3 whitespace only");
        assertEquals(2, data.pairs().size());
        assertEquals(4, data.pairs().get(1).line());
    }

    @Test
    void identicalResponses() {
        DataException e = failOn("identical.jsonl");
        assertEquals("identical.jsonl:2: field 'rejected': identical to chosen; the pair carries no preference",
                e.getMessage());
        assertEquals(1, skip("identical.jsonl").stats().skipped(BadRecord.IDENTICAL_RESPONSES));
    }

    @Test
    void invalidUtf8NamesTheLineAndByte() {
        DataException e = failOn("invalid-utf8.jsonl");
        // line 2 is {"prompt": "Q:", "chosen": " caf\xc3\xa9 \xff\xfe", ...}: the valid e-acute is accepted,
        // the 0xff at byte 36 is not
        assertEquals("invalid-utf8.jsonl:2: invalid UTF-8 at byte 36 of the line (0xff)", e.getMessage());
        assertLocated(e, "invalid-utf8.jsonl", 2, null, BadRecord.INVALID_UTF8);
        PreferenceData data = skip("invalid-utf8.jsonl");
        assertEquals(2, data.pairs().size());
        assertEquals(1, data.stats().skipped(BadRecord.INVALID_UTF8));
    }

    @Test
    void truncatedGzipNamesTheLastGoodLineAndKeepsEarlierPairsUnderSkip() {
        // 300 lines gzipped, file cut at half its bytes: 150 complete lines decompress (checked with Python zlib)
        DataException e = failOn("truncated.jsonl.gz");
        assertLocated(e, "truncated.jsonl.gz", 150, null, BadRecord.TRUNCATED_INPUT);
        assertTrue(e.getMessage().startsWith("truncated.jsonl.gz:150: input ends early or is corrupt after line 150"),
                e.getMessage());
        PreferenceData data = skip("truncated.jsonl.gz");
        assertEquals(150, data.pairs().size());
        assertEquals("Q150:", data.pairs().get(149).prompt());
        assertEquals(1, data.stats().skipped(BadRecord.TRUNCATED_INPUT));
    }

    @Test
    void emptyFileIsAnErrorUnderEitherPolicy() {
        assertEquals("empty.jsonl: no records (the file is empty)", failOn("empty.jsonl").getMessage());
        DataException e = assertThrows(DataException.class, () -> skip("empty.jsonl"));
        assertLocated(e, "empty.jsonl", 0, null, BadRecord.NO_RECORDS);
        assertEquals("blank-lines.jsonl: no records (the file is empty)", failOn("blank-lines.jsonl").getMessage());
    }

    @Test
    void dialogueWithoutAssistantTurn() {
        DataException e = failOn("no-assistant-turn.jsonl");
        assertEquals("no-assistant-turn.jsonl:2: field 'chosen': dialogue has no '\\n\\nAssistant:' turn", e.getMessage());
        assertLocated(e, "no-assistant-turn.jsonl", 2, "chosen", BadRecord.NO_ASSISTANT_TURN);
        assertEquals(1, skip("no-assistant-turn.jsonl").stats().skipped(BadRecord.NO_ASSISTANT_TURN));
    }

    @Test
    void hhPairWithoutSharedPromptIsSkippedEvenUnderFail() {
        PreferenceData data = new PreferenceReader(BadRecordPolicy.FAIL)
                .read(TestFiles.resource("bad-data/hh-no-shared-prompt.jsonl"));
        assertEquals(1, data.pairs().size());
        assertEquals(1, data.stats().skipped(BadRecord.NO_SHARED_PROMPT));
        assertEquals("hh-no-shared-prompt.jsonl: 2 lines, 1 records, 1 skipped (no_shared_prompt 1), 0 truncated",
                data.stats().summary());
    }

    @Test
    void gzipIsDetectedByMagicBytesNotByName() throws IOException {
        Path file = tmp.resolve("compressed-but-named.jsonl");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write("{\"prompt\": \"Q:\", \"chosen\": \" a\", \"rejected\": \" b\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        PreferenceData data = new PreferenceReader(BadRecordPolicy.FAIL).read(file);
        assertEquals(" a", data.pairs().get(0).chosen());
    }

    /** A 10 MB single line: read at the default cap, rejected clearly (and not buffered) under a smaller one. */
    @Test
    void tenMegabyteLine() throws IOException {
        Path file = tmp.resolve("huge-line.jsonl");
        int responseBytes = 10 << 20;
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write("{\"prompt\": \"Q:\", \"chosen\": \" ".getBytes(StandardCharsets.UTF_8));
            byte[] block = new byte[1 << 20];
            Arrays.fill(block, (byte) 'x');
            for (int i = 0; i < responseBytes >> 20; i++) {
                out.write(block);
            }
            out.write("\", \"rejected\": \" no\"}\n{\"prompt\": \"Q:\", \"chosen\": \" a\", \"rejected\": \" b\"}\n"
                    .getBytes(StandardCharsets.UTF_8));
        }
        PreferenceData read = new PreferenceReader(BadRecordPolicy.FAIL).read(file);
        assertEquals(1 + responseBytes, read.pairs().get(0).chosen().length());
        assertEquals(2, read.pairs().size());

        DataException e = assertThrows(DataException.class,
                () -> new PreferenceReader(BadRecordPolicy.FAIL, 1 << 20).read(file));
        assertEquals("huge-line.jsonl:1: line is longer than 1048576 bytes", e.getMessage());
        PreferenceData skipped = new PreferenceReader(BadRecordPolicy.SKIP, 1 << 20).read(file);
        assertEquals(1, skipped.stats().skipped(BadRecord.LINE_TOO_LONG));
        assertEquals(2, skipped.pairs().get(0).line(), "the line after the long one is read intact");
    }
}
