package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 10 MB single line read in a separate JVM limited to -Xmx1g (surefire's own JVM has 4g, which would
 * hide an accidental quadratic copy): the read must succeed and print its counts.
 */
class HugeLineMemoryTest {
    @TempDir
    Path tmp;

    @Test
    void tenMegabyteLineUnderOneGigabyteHeap() throws IOException, InterruptedException {
        Path file = tmp.resolve("huge.jsonl");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write("{\"prompt\": \"Q:\", \"chosen\": \" ".getBytes(StandardCharsets.UTF_8));
            byte[] block = new byte[1 << 20];
            Arrays.fill(block, (byte) 'y');
            for (int i = 0; i < 10; i++) {
                out.write(block);
            }
            out.write("\", \"rejected\": \" no\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(java.toString(), "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                InspectDataCommand.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, process.exitValue(), output);
        assertEquals("huge.jsonl: 1 lines, 1 records, 0 skipped, 0 truncated\n", output);
    }
}
