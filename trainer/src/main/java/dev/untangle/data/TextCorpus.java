package dev.untangle.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.untangle.wire.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Plain-text corpora for language-model (SFT) training. What a path holds decides how it splits into
 * documents:
 * <ul>
 *   <li>a tar archive ({@code .tar}, {@code .tar.gz}, {@code .tgz}) or a directory with an {@code aclImdb/}
 *       folder: the labelled IMDb reviews, one document each ({@link ImdbReader});</li>
 *   <li>any other directory: every regular file below it (sorted by path) is one document;</li>
 *   <li>{@code .jsonl} (optionally .gz): one document per line, the string field {@code text};</li>
 *   <li>any other file ({@code .txt}, optionally .gz): one document per non-blank line.</li>
 * </ul>
 * Gzip is detected by magic bytes; text is strict UTF-8; errors follow {@link BadRecordPolicy}.
 */
public final class TextCorpus {
    private TextCorpus() {
    }

    public record Documents(List<TextDocument> documents, DataStats stats) {
        public Documents {
            documents = List.copyOf(documents);
        }
    }

    public static Documents read(Path path, BadRecordPolicy policy) {
        String name = InputFiles.displayName(path);
        String lower = name.toLowerCase(Locale.ROOT);
        DataStats.Tally tally = new DataStats.Tally(name);
        List<TextDocument> documents = new ArrayList<>();
        if (lower.endsWith(".tar") || lower.endsWith(".tar.gz") || lower.endsWith(".tgz")
                || (Files.isDirectory(path) && (Files.isDirectory(path.resolve("aclImdb")) || lower.equals("aclimdb")))) {
            ImdbReader.stream(path, review -> {
                tally.line(); // one archive entry
                tally.record();
                documents.add(new TextDocument(review.text(), name + "!" + review.split() + "/" + review.id(), 0));
            });
        } else if (Files.isDirectory(path)) {
            readDirectory(path, documents, tally, policy);
        } else {
            readLines(path, lower.endsWith(".jsonl") || lower.endsWith(".jsonl.gz"), documents, tally, policy);
        }
        if (documents.isEmpty()) {
            throw new DataException(name, 0, null, BadRecord.NO_RECORDS, "no records: " + tally.snapshot().summary());
        }
        return new Documents(documents, tally.snapshot());
    }

    private static void readDirectory(Path dir, List<TextDocument> documents, DataStats.Tally tally,
                                      BadRecordPolicy policy) {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path file : files) {
            String name = dir.relativize(file).toString();
            try (InputStream in = InputFiles.open(file)) {
                byte[] bytes = in.readAllBytes();
                String text = InputFiles.decodeUtf8(bytes, bytes.length, name, 0);
                if (!text.isBlank()) {
                    documents.add(new TextDocument(text, name, 0));
                    tally.record();
                }
            } catch (DataException e) {
                if (policy == BadRecordPolicy.FAIL) {
                    throw e;
                }
                tally.skip(e);
            } catch (IOException e) {
                DataException located = new DataException(name, 0, null, BadRecord.TRUNCATED_INPUT,
                        "cannot read: " + e.getMessage(), e);
                if (policy == BadRecordPolicy.FAIL) {
                    throw located;
                }
                tally.skip(located);
            }
        }
    }

    private static void readLines(Path file, boolean jsonl, List<TextDocument> documents, DataStats.Tally tally,
                                  BadRecordPolicy policy) {
        String name = InputFiles.displayName(file);
        try (InputStream in = InputFiles.open(file);
             LineReader lines = new LineReader(in, name, LineReader.DEFAULT_MAX_LINE_BYTES)) {
            while (true) {
                LineReader.Line line;
                try {
                    line = lines.next();
                } catch (DataException e) {
                    if (policy == BadRecordPolicy.FAIL) {
                        throw e;
                    }
                    tally.skip(e);
                    return;
                }
                if (line == null) {
                    return;
                }
                tally.line();
                try {
                    if (line.error() != null) {
                        throw line.error();
                    }
                    String text = jsonl ? textField(line.text(), name, line.number()) : line.text();
                    if (!text.isBlank()) {
                        documents.add(new TextDocument(text, name, line.number()));
                        tally.record();
                    }
                } catch (DataException e) {
                    if (policy == BadRecordPolicy.FAIL) {
                        throw e;
                    }
                    tally.skip(e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String textField(String line, String file, long number) {
        if (line.isBlank()) {
            return line;
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DataException(file, number, null, BadRecord.MALFORMED_JSON,
                    "malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""), e);
        }
        JsonNode text = node == null ? null : node.get("text");
        if (text == null) {
            throw new DataException(file, number, "text", BadRecord.MISSING_FIELD, "missing");
        }
        if (!text.isTextual()) {
            throw PreferenceFormat.wrongType("text", "a string", text, file, number);
        }
        return text.asText();
    }
}
