package dev.untangle.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal reader of tar archives (POSIX ustar and GNU tar, as written by GNU tar and Python's tarfile):
 * enough to stream a corpus out of a .tar.gz without extracting it to disk. Each entry is a 512-byte header
 * (name at 0..100, size in octal at 124..136, checksum at 148..156, type flag at 156, "ustar" magic at 257,
 * name prefix at 345..500 in POSIX ustar) followed by its data padded to 512 bytes; two zero blocks end the
 * archive. GNU long names (type 'L') and pax path records (type 'x') are honoured. Headers are verified by
 * their checksum, so a corrupt or truncated archive is reported at the entry where it breaks.
 */
final class TarStream {
    private static final int BLOCK = 512;

    /** Receives regular-file entries; returns whether it wants the content (false skips it unread). */
    interface EntryFilter {
        boolean wants(String name);
    }

    interface EntrySink {
        void accept(String name, byte[] content);
    }

    private TarStream() {
    }

    /**
     * Streams the archive's regular files through {@code sink}, reading content only for names the filter
     * accepts. Throws a {@link DataException} naming {@code file} and the last complete entry on corruption.
     */
    static void forEach(InputStream in, String file, EntryFilter filter, EntrySink sink) {
        byte[] header = new byte[BLOCK];
        String longName = null;
        String lastEntry = "(start of archive)";
        try {
            while (true) {
                if (!readFully(in, header, BLOCK)) {
                    throw new EOFException("archive ends without its end-of-archive blocks");
                }
                if (isZero(header)) {
                    return; // end-of-archive marker
                }
                verifyChecksum(header);
                long size = parseNumber(header, 124, 12);
                char type = (char) header[156];
                String name = longName != null ? longName : headerName(header);
                longName = null;
                if (type == 'L' || type == 'x') {
                    byte[] data = readContent(in, size);
                    if (type == 'L') {
                        longName = cString(data, 0, data.length);
                    } else {
                        longName = paxPath(data);
                    }
                    continue;
                }
                boolean regular = type == '0' || type == '\0' || type == '7';
                if (regular && filter.wants(name)) {
                    sink.accept(name, readContent(in, size));
                } else {
                    skipFully(in, padded(size));
                }
                lastEntry = name;
            }
        } catch (IOException e) {
            throw new DataException(file, 0, null, BadRecord.TRUNCATED_INPUT,
                    "archive ends early or is corrupt after entry " + lastEntry + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readContent(InputStream in, long size) throws IOException {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException("entry of " + size + " bytes is too large to read into memory");
        }
        byte[] data = new byte[(int) size];
        if (!readFully(in, data, data.length)) {
            throw new EOFException("entry data cut short");
        }
        skipFully(in, padded(size) - size);
        return data;
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private static String headerName(byte[] header) {
        String name = cString(header, 0, 100);
        boolean posixUstar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r' && header[262] == 0;
        if (posixUstar) {
            String prefix = cString(header, 345, 155);
            if (!prefix.isEmpty()) {
                return prefix + "/" + name;
            }
        }
        return name;
    }

    /** The "path" record of a pax extended header: lines "LEN path=VALUE\n". */
    private static String paxPath(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        for (String record : text.split("\n")) {
            int space = record.indexOf(' ');
            if (space > 0 && record.startsWith("path=", space + 1)) {
                return record.substring(space + 1 + "path=".length());
            }
        }
        return null;
    }

    private static void verifyChecksum(byte[] header) throws IOException {
        long stored = parseNumber(header, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
        }
        if (sum != stored) {
            throw new IOException("tar header checksum mismatch (stored " + stored + ", computed " + sum + ")");
        }
    }

    /** Octal, NUL/space terminated; or GNU base-256 when the high bit of the first byte is set. */
    private static long parseNumber(byte[] header, int offset, int length) throws IOException {
        if ((header[offset] & 0x80) != 0) {
            long value = header[offset] & 0x7f;
            for (int i = 1; i < length; i++) {
                value = (value << 8) | (header[offset + i] & 0xff);
            }
            return value;
        }
        long value = 0;
        boolean digits = false;
        for (int i = offset; i < offset + length; i++) {
            byte b = header[i];
            if (b >= '0' && b <= '7') {
                value = value * 8 + (b - '0');
                digits = true;
            } else if (b == 0 || b == ' ') {
                if (digits) {
                    break; // terminator after the digits; leading blanks are skipped
                }
            } else {
                throw new IOException("bad octal digit in tar header at byte " + i);
            }
        }
        return value;
    }

    private static String cString(byte[] bytes, int offset, int length) {
        int end = offset;
        while (end < offset + length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean readFully(InputStream in, byte[] buffer, int length) throws IOException {
        int done = 0;
        while (done < length) {
            int n = in.read(buffer, done, length - done);
            if (n < 0) {
                return false;
            }
            done += n;
        }
        return true;
    }

    private static void skipFully(InputStream in, long count) throws IOException {
        byte[] scratch = new byte[8192];
        long left = count;
        while (left > 0) {
            int n = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (n < 0) {
                throw new EOFException("entry data cut short");
            }
            left -= n;
        }
    }
}
