package dev.untangle.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Locates ../shared/data for tests: the system property untangle.shared if set, otherwise the first
 * ancestor of the working directory that has a sibling shared/data folder.
 */
public final class SharedData {

    private SharedData() {
    }

    public static Path dataDir() {
        String property = System.getProperty("untangle.shared");
        if (property != null) {
            return Path.of(property).resolve("data");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("data");
            if (dir.getParent() != null && Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return Path.of("..", "shared", "data");
    }

    public static Path gpt2TokenizerDir() {
        return dataDir().resolve("gpt2-tokenizer");
    }

    /** The first n raw JSON lines of the HH-RLHF harmless-base test split. */
    public static List<String> hhLines(int n) throws IOException {
        Path file = dataDir().resolve("hh-rlhf").resolve("harmless-base-test.jsonl.gz");
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            String line;
            while (lines.size() < n && (line = reader.readLine()) != null) {
                lines.add(line);
            }
        }
        return lines;
    }
}
