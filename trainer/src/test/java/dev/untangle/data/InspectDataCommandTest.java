package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The CLI prints one line for bad data, never a stack trace. */
class InspectDataCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new InspectDataCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void badRecordIsOneLineOnStderr() {
        int status = run(TestFiles.resource("bad-data/wrong-type.jsonl").toString());
        assertEquals(InspectDataCommand.BAD_DATA, status);
        assertEquals("error: wrong-type.jsonl:3: field 'chosen': expected a string or a list of messages, got number\n",
                err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void skipPrintsTheCounts() {
        int status = run("--on-bad-record", "skip", TestFiles.resource("bad-data/empty-responses.jsonl").toString());
        assertEquals(0, status);
        assertEquals("empty-responses.jsonl: 4 lines, 2 records, 2 skipped (empty_response 2), 0 truncated\n"
                + "  skipped empty-responses.jsonl:2: field 'chosen': response is empty or whitespace only\n"
                + "  skipped empty-responses.jsonl:3: field 'rejected': response is empty or whitespace only\n",
                out.toString());
    }

    @Test
    void missingFileIsOneLine() {
        int status = run("no/such/file.jsonl");
        assertEquals(InspectDataCommand.BAD_DATA, status);
        assertEquals("error: no/such/file.jsonl: no such file\n", err.toString());
    }
}
