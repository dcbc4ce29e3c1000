package dev.untangle.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opening data files: gzip detected by its magic bytes, strict UTF-8 decoding that names the bad byte. */
public final class InputFiles {
    private static final int GZIP_MAGIC_1 = 0x1f;
    private static final int GZIP_MAGIC_2 = 0x8b;

    private InputFiles() {
    }

    /** The name used in messages and in {@link PreferencePair#source()}: the file name without folders. */
    public static String displayName(Path file) {
        Path name = file.getFileName();
        return name == null ? file.toString() : name.toString();
    }

    /**
     * Opens a file for reading; if its first two bytes are the gzip magic (1f 8b) the stream is
     * decompressed, whatever the file is called. Read it in large chunks (it is not buffered). A missing or unreadable file is a {@link DataException}.
     */
    public static InputStream open(Path file) {
        try {
            InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
            raw.mark(2);
            int b1 = raw.read();
            int b2 = raw.read();
            raw.reset();
            if (b1 == GZIP_MAGIC_1 && b2 == GZIP_MAGIC_2) {
                // Not wrapped in a BufferedInputStream: its read(byte[]) keeps reading while available() > 0,
                // and on a truncated .gz the EOFException of that extra read discards the bytes already
                // inflated, so the lines before the cut would be lost. Callers read in large chunks.
                return new GZIPInputStream(raw, 1 << 16);
            }
            return raw;
        } catch (NoSuchFileException e) {
            throw new DataException(file.toString(), 0, null, BadRecord.NO_RECORDS, "no such file");
        } catch (IOException e) {
            // A file whose gzip header itself is cut short lands here.
            throw new DataException(displayName(file), 0, null, BadRecord.TRUNCATED_INPUT,
                    "cannot open: " + e.getMessage(), e);
        }
    }

    /**
     * Decodes UTF-8 strictly: a malformed or truncated sequence is reported, never replaced with U+FFFD,
     * so that corrupt input is found at the line that holds it rather than as odd tokens later.
     *
     * @return the text, or throws a {@link DataException} naming the byte offset within the line
     */
    public static String decodeUtf8(byte[] bytes, int length, String file, long line) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
        CharBuffer out = CharBuffer.allocate(length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new DataException(file, line, null, BadRecord.INVALID_UTF8,
                    "invalid UTF-8 at byte " + (in.position() + 1) + " of the line (0x"
                            + String.format("%02x", bytes[in.position()] & 0xff) + ")");
        }
        out.flip();
        return out.toString();
    }
}
