package dev.untangle.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the labelled part of the aclImdb v1 layout, {@code aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt},
 * either from an extracted directory or streamed straight out of the .tar.gz (or .tar) without extracting
 * it. Other entries (unsup/, the vocabulary, the URL lists) are ignored. The label comes from the folder
 * and must agree with the rating (pos: 7-10, neg: 1-4); text is strict UTF-8.
 */
public final class ImdbReader {
    private static final Pattern ENTRY = Pattern.compile("(?:.*/)?aclImdb/(train|test)/(pos|neg)/(\\d+)_(\\d+)\\.txt");
    private static final Pattern LINE_BREAK_TAG = Pattern.compile("<br\\s*/?>", Pattern.CASE_INSENSITIVE);

    private ImdbReader() {
    }

    /** All labelled reviews in archive (or sorted directory) order. */
    public static List<ImdbReview> readAll(Path source) {
        List<ImdbReview> reviews = new ArrayList<>();
        stream(source, reviews::add);
        return reviews;
    }

    /** The reviews of one split ("train" or "test"). */
    public static List<ImdbReview> read(Path source, String split) {
        List<ImdbReview> reviews = new ArrayList<>();
        stream(source, review -> {
            if (review.split().equals(split)) {
                reviews.add(review);
            }
        });
        return reviews;
    }

    /**
     * Streams every labelled review to {@code sink}. {@code source} is a directory containing {@code aclImdb/}
     * (or the {@code aclImdb} directory itself), or a tar archive, gzip-compressed or not.
     */
    public static void stream(Path source, Consumer<ImdbReview> sink) {
        String name = InputFiles.displayName(source);
        if (Files.isDirectory(source)) {
            streamDirectory(source, name, sink);
            return;
        }
        try (InputStream in = InputFiles.open(source)) {
            TarStream.forEach(in, name, entry -> ENTRY.matcher(entry).matches(),
                    (entry, content) -> sink.accept(review(entry, content, name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void streamDirectory(Path source, String name, Consumer<ImdbReview> sink) {
        Path root = source.getFileName() != null && source.getFileName().toString().equals("aclImdb")
                ? source.getParent() : source;
        if (!Files.isDirectory(root.resolve("aclImdb"))) {
            throw new DataException(name, 0, null, BadRecord.NO_RECORDS, "no aclImdb/ folder inside");
        }
        for (String split : List.of("train", "test")) {
            for (String label : List.of("neg", "pos")) {
                Path folder = root.resolve("aclImdb").resolve(split).resolve(label);
                if (!Files.isDirectory(folder)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(folder)) {
                    for (Path file : files.sorted().toList()) {
                        String entry = root.relativize(file).toString().replace('\\', '/');
                        if (ENTRY.matcher(entry).matches()) {
                            sink.accept(review(entry, Files.readAllBytes(file), name));
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** Parses one entry; {@code entry} must match the aclImdb path pattern. */
    static ImdbReview review(String entry, byte[] content, String source) {
        Matcher m = ENTRY.matcher(entry);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an aclImdb review path: " + entry);
        }
        String split = m.group(1);
        boolean positive = m.group(2).equals("pos");
        int rating = Integer.parseInt(m.group(4));
        boolean consistent = positive ? rating >= 7 && rating <= 10 : rating >= 1 && rating <= 4;
        String where = source + "!" + entry;
        if (!consistent) {
            throw new DataException(where, 0, "rating", BadRecord.INVALID_VALUE,
                    "rating " + rating + " does not fit label " + m.group(2) + " (pos: 7-10, neg: 1-4)");
        }
        String text = InputFiles.decodeUtf8(content, content.length, where, 1);
        text = LINE_BREAK_TAG.matcher(text).replaceAll("\n");
        return new ImdbReview(text, positive, rating, split, m.group(3));
    }
}
