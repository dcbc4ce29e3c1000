package dev.untangle.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool file after a crash: torn last line, acknowledged prefix, unreadable lines. */
class SpoolFileTest {

    @Test
    void recoversFromATornLineAndReplaysOnlyWhatWasNotAcknowledged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("spool.jsonl");
        String a = Spool.line("t", "r", "{\"step\":1}");
        String b = Spool.line("t", "r", "{\"step\":2}");
        String c = Spool.line("t", "r", "{\"step\":3}");
        Files.writeString(file, a + b + c + "{\"topic\":\"t\",\"ke"); // the JVM died mid-append

        try (Spool spool = new Spool(file, 1000)) {
            assertEquals(3, spool.pendingEvents());
            assertEquals((a + b + c).length(), Files.size(file), "torn line cut off");
            List<Spool.Line> lines = spool.read(2, new ArrayList<>());
            assertEquals("{\"step\":1}", lines.get(0).value());
            assertEquals("{\"step\":2}", lines.get(1).value());
            assertEquals(a.length() + b.length(), lines.get(1).endOffset());
            spool.acknowledge(lines.get(1).endOffset(), 2, a.length() + b.length());
            spool.maybeSync(true);
        } // no clean hand-back: as after a crash, only the acknowledged offset was saved

        try (Spool spool = new Spool(file, 1000)) {
            assertEquals(1, spool.pendingEvents());
            List<Spool.Line> lines = spool.read(10, new ArrayList<>());
            assertEquals(1, lines.size());
            assertEquals("{\"step\":3}", lines.get(0).value());
            spool.acknowledge(lines.get(0).endOffset(), 1, c.length());
            assertTrue(spool.isEmpty());
        }
        assertEquals(0, Files.size(file), "fully acknowledged spool is emptied");
    }

    @Test
    void anUnreadableLineIsReportedWithItsOffsetAndSkipped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("spool.jsonl");
        String good = Spool.line("t", "r", "{\"step\":1}");
        Files.writeString(file, "garbage\n" + good);
        try (Spool spool = new Spool(file, 1000)) {
            List<String> malformed = new ArrayList<>();
            List<Spool.Line> lines = spool.read(10, malformed);
            assertEquals(List.of(file + " at byte offset 0"), malformed);
            assertNull(lines.get(0).topic());
            assertEquals("{\"step\":1}", lines.get(1).value());
        }
    }
}
