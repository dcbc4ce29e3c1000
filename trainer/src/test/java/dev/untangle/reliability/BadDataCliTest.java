package dev.untangle.reliability;

import dev.untangle.tokenizer.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 6, bad input at the command line (the record-level cases are in dev.untangle.data.BadDataTest):
 * a file whose line 31 has a number where the chosen text belongs and whose line 32 is not JSON.
 * Default --on-bad-record fail: a non-zero exit and a message naming file, line and field, without a
 * stack trace. --on-bad-record skip: the run goes on and reports 2 skipped records.
 */
class BadDataCliTest {

    @TempDir
    Path dir;

    @Test
    void malformedFileFailsWithFileLineAndFieldOrIsSkippedAndCounted() throws Exception {
        Path data = RunFixture.writePairs(dir.resolve("mixed.jsonl"), 30, 21, false);
        Files.writeString(data, "{\"prompt\": \"Q:\", \"chosen\": 42, \"rejected\": \" no\"}\n{\"prompt\": \"Q:\", \"chosen\n",
                StandardOpenOption.APPEND);

        RunFixture.Cli failed = RunFixture.cli(sft(data, dir.resolve("fail"), "fail"));
        assertNotEquals(0, failed.exitCode());
        // stderr may also hold engine log lines (slf4j); the CLI's own error is exactly one line
        List<String> ours = failed.err().lines().filter(l -> l.startsWith("untangle sft:")).toList();
        assertEquals(1, ours.size(), failed.err());
        String first = ours.get(0);
        assertEquals("untangle sft: mixed.jsonl:31: field 'chosen': expected a string or a list of messages, got number",
                first.replace(data.getParent() + "/", ""));
        assertFalse(failed.err().contains("\tat ") || failed.err().contains("Exception"), "no stack trace:\n" + failed.err());
        assertFalse(Files.exists(dir.resolve("fail/checkpoints")), "nothing trained on bad input");

        RunFixture.Cli skipped = RunFixture.cli(sft(data, dir.resolve("skip"), "skip"));
        assertEquals(0, skipped.exitCode(), skipped.out() + skipped.err());
        assertTrue(skipped.out().contains("32 lines, 30 records, 2 skipped"), skipped.out());
        assertTrue(Files.exists(dir.resolve("skip/checkpoints/latest")));
    }

    private static String[] sft(Path data, Path out, String onBadRecord) {
        return List.of("sft", "--model", "tiny", "--steps", "1", "--batch", "2", "--data", data.toString(),
                "--out", out.toString(), "--tokenizer", SharedData.gpt2TokenizerDir().toString(), "--vocab-size",
                RunFixture.VOCAB, "--max-length", RunFixture.MAX_LENGTH, "--on-bad-record", onBadRecord).toArray(String[]::new);
    }
}
