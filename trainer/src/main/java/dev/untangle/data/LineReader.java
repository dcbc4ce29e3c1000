package dev.untangle.data;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads a byte stream line by line (LF, with an optional CR before it) without a Reader, so that each line
 * is decoded strictly on its own ({@link InputFiles#decodeUtf8}) and a bad byte is reported with its line
 * number. A line longer than {@code maxLineBytes} is not buffered: the rest of it is skipped and it comes
 * back as a {@link BadRecord#LINE_TOO_LONG} error, so a huge line cannot exhaust the heap.
 *
 * <p>An I/O error of the underlying stream (a truncated .gz) is thrown as a {@link DataException} naming the
 * last complete line; a partial line before the error is discarded.
 */
final class LineReader implements Closeable {
    /**
     * Default cap on one line: far above any real preference record (the longest line of the HH harmless test file is 7.9 KB), small
     * enough for -Xmx1g, and below Jackson's default 20 M-character string limit, so an over-long line is
     * reported as too long rather than as a confusing JSON constraint error.
     */
    static final int DEFAULT_MAX_LINE_BYTES = 16 << 20;

    /** One line: its 1-based number and either its text or the error that makes it unusable. */
    record Line(long number, String text, DataException error) {
    }

    private final InputStream in;
    private final String file;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkLen;
    private byte[] buffer = new byte[1 << 12];
    private long lineNumber;
    private boolean eof;

    LineReader(InputStream in, String file, int maxLineBytes) {
        this.in = in;
        this.file = file;
        this.maxLineBytes = maxLineBytes;
    }

    /** The number of the last line returned (0 before the first). */
    long lastLine() {
        return lineNumber;
    }

    /** The next line, or null at the end of the stream. */
    Line next() {
        if (eof) {
            return null;
        }
        int length = 0;
        boolean tooLong = false;
        boolean sawAny = false;
        while (true) {
            if (chunkPos == chunkLen && !fill()) {
                eof = true;
                if (!sawAny) {
                    return null;
                }
                break;
            }
            sawAny = true;
            int start = chunkPos;
            int newline = -1;
            for (int i = chunkPos; i < chunkLen; i++) {
                if (chunk[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            int end = newline < 0 ? chunkLen : newline;
            int n = end - start;
            if (!tooLong) {
                if ((long) length + n > maxLineBytes) {
                    tooLong = true;
                    buffer = new byte[1 << 12];
                } else {
                    if (length + n > buffer.length) {
                        buffer = Arrays.copyOf(buffer, Math.min(maxLineBytes + 1, Math.max(buffer.length * 2, length + n)));
                    }
                    System.arraycopy(chunk, start, buffer, length, n);
                    length += n;
                }
            }
            chunkPos = newline < 0 ? chunkLen : newline + 1;
            if (newline >= 0) {
                break;
            }
        }
        lineNumber++;
        if (tooLong) {
            return new Line(lineNumber, null, new DataException(file, lineNumber, null, BadRecord.LINE_TOO_LONG,
                    "line is longer than " + maxLineBytes + " bytes"));
        }
        if (length > 0 && buffer[length - 1] == '\r') {
            length--;
        }
        try {
            return new Line(lineNumber, InputFiles.decodeUtf8(buffer, length, file, lineNumber), null);
        } catch (DataException e) {
            return new Line(lineNumber, null, e);
        } finally {
            if (buffer.length > 1 << 20) {
                buffer = new byte[1 << 12]; // do not keep a huge line's buffer alive
            }
        }
    }

    private boolean fill() {
        try {
            int n = in.read(chunk);
            if (n < 0) {
                return false;
            }
            chunkPos = 0;
            chunkLen = n;
            return true;
        } catch (IOException e) {
            eof = true;
            throw new DataException(file, lineNumber, null, BadRecord.TRUNCATED_INPUT,
                    "input ends early or is corrupt after line " + lineNumber + " (last good line): "
                            + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
