package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImdbReaderTest {
    @TempDir
    Path tmp;

    @Test
    void realArchiveStreamsAllLabelledReviews() {
        Path archive = TestFiles.shared("imdb/aclImdb-v1-labeled.tar.gz");
        Map<String, Integer> counts = new HashMap<>();
        long[] brTags = {0};
        long start = System.nanoTime();
        ImdbReader.stream(archive, review -> {
            counts.merge(review.split() + "/" + (review.positive() ? "pos" : "neg"), 1, Integer::sum);
            assertEquals(review.positive(), review.rating() >= 7, review.id());
            if (review.text().contains("<br")) {
                brTags[0]++;
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("IMDb archive streamed in %.2f s: %s%n", seconds, counts);
        assertEquals(Map.of("train/pos", 12500, "train/neg", 12500, "test/pos", 12500, "test/neg", 12500), counts);
        assertEquals(0, brTags[0], "every <br /> is replaced");
    }

    @Test
    void directoryLayoutAndTagsAndLabels() throws IOException {
        write("aclImdb/train/pos/17_9.txt", "Great film.<br /><br />Would watch again.");
        write("aclImdb/train/neg/3_2.txt", "Dull.<br/>Too long.");
        write("aclImdb/test/neg/5_4.txt", "Meh.");
        write("aclImdb/train/unsup/1_0.txt", "ignored");
        List<ImdbReview> reviews = ImdbReader.readAll(tmp);
        assertEquals(List.of(
                new ImdbReview("Dull.\nToo long.", false, 2, "train", "3"),
                new ImdbReview("Great film.\n\nWould watch again.", true, 9, "train", "17"),
                new ImdbReview("Meh.", false, 4, "test", "5")), reviews);
        assertEquals(2, ImdbReader.read(tmp.resolve("aclImdb"), "train").size());
    }

    @Test
    void ratingThatContradictsTheFolderIsAnError() throws IOException {
        write("aclImdb/train/pos/8_3.txt", "Mislabelled.");
        DataException e = assertThrows(DataException.class, () -> ImdbReader.readAll(tmp));
        assertEquals(tmp.getFileName() + "!aclImdb/train/pos/8_3.txt: field 'rating': rating 3 does not fit label pos"
                + " (pos: 7-10, neg: 1-4)", e.getMessage());
    }

    @Test
    void handWrittenTarHeadersIncludingUstarPrefixAndTruncation() throws IOException {
        byte[] first = tarEntry("aclImdb/test/pos/1_10.txt", "", "Loved it.<br />");
        byte[] second = tarEntry("12_1.txt", "data/aclImdb/test/neg", "Awful.");
        byte[] end = new byte[1024];
        Path archive = tmp.resolve("mini.tar");
        Files.write(archive, concat(first, second, end));
        List<ImdbReview> reviews = ImdbReader.readAll(archive);
        assertEquals(List.of(new ImdbReview("Loved it.\n", true, 10, "test", "1"),
                new ImdbReview("Awful.", false, 1, "test", "12")), reviews);

        Path cut = tmp.resolve("cut.tar");
        Files.write(cut, concat(first, java.util.Arrays.copyOf(second, 600)));
        DataException e = assertThrows(DataException.class, () -> ImdbReader.readAll(cut));
        assertTrue(e.getMessage().startsWith("cut.tar: archive ends early or is corrupt after entry aclImdb/test/pos/1_10.txt"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    private void write(String relative, String text) throws IOException {
        Path file = tmp.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    /** One POSIX ustar entry written byte by byte, as the format specifies. */
    private static byte[] tarEntry(String name, String prefix, String text) {
        byte[] content = text.getBytes(StandardCharsets.UTF_8);
        byte[] header = new byte[512];
        put(header, 0, name);
        put(header, 100, "0000644\0");
        put(header, 124, String.format("%011o\0", content.length));
        put(header, 156, "0");
        put(header, 257, "ustar\0");
        put(header, 263, "00");
        put(header, 345, prefix);
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        int sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        put(header, 148, String.format("%06o\0 ", sum));
        byte[] padded = new byte[(content.length + 511) / 512 * 512];
        System.arraycopy(content, 0, padded, 0, content.length);
        return concat(header, padded);
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
