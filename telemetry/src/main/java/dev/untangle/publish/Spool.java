package dev.untangle.publish;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.untangle.wire.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publisher's local spool: a JSONL file, one line per event,
 * {@code {"topic":...,"key":...,"event":{...}}}, read front to back. Owned by the publisher thread
 * only (not thread-safe).
 *
 * <p>Positions: {@code readOffset} is the first byte not yet handed to Kafka; {@code ackedOffset} the end
 * of the longest prefix Kafka has acknowledged. The acknowledged offset is written to a sidecar file
 * ({@code <spool>.acked}) so that after a crash only unacknowledged lines are replayed; once every line
 * is acknowledged the file is truncated to empty. fsync policy: appends are forced to disk at most once
 * per {@code fsyncIntervalMillis} and at close, so a power loss can lose that much of the spool; a JVM
 * crash alone loses nothing written (the data is in the OS page cache).
 */
final class Spool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);

    /** One spooled line, with the file position just after it. */
    record Line(String topic, String key, String value, long startOffset, long endOffset) {
    }

    private final Path file;
    private final Path ackedFile;
    private final long fsyncIntervalNanos;
    private FileChannel channel;
    private long readOffset;
    private long ackedOffset;
    private long pendingEvents;   // lines after ackedOffset
    private long pendingBytes;
    private long unreadEvents;    // lines after readOffset
    private boolean dirty;
    private long lastSyncNanos = System.nanoTime();
    private boolean ackedOffsetDirty;

    Spool(Path file, long fsyncIntervalMillis) {
        this.file = file;
        this.ackedFile = file.resolveSibling(file.getFileName() + ".acked");
        this.fsyncIntervalNanos = fsyncIntervalMillis * 1_000_000L;
        try {
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            recover();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open telemetry spool " + file, e);
        }
    }

    /** Drops a torn last line (crash mid-append), restores the acknowledged offset, counts what is left. */
    private void recover() throws IOException {
        long size = channel.size();
        long lastNewline = lastNewlineBefore(size);
        if (lastNewline + 1 < size) {
            LOG.warn("telemetry spool {}: dropping a torn last line ({} bytes at offset {})", file,
                    size - lastNewline - 1, lastNewline + 1);
            channel.truncate(lastNewline + 1);
            size = lastNewline + 1;
        }
        long acked = 0;
        if (Files.exists(ackedFile)) {
            try {
                acked = Long.parseLong(Files.readString(ackedFile).trim());
            } catch (NumberFormatException e) {
                LOG.warn("telemetry spool {}: unreadable acked offset in {}, replaying the whole spool", file, ackedFile);
            }
        }
        if (acked < 0 || acked > size) {
            acked = 0;
        }
        ackedOffset = acked;
        readOffset = acked;
        pendingBytes = size - acked;
        pendingEvents = countLines(acked, size);
        unreadEvents = pendingEvents;
        if (pendingEvents > 0) {
            LOG.info("telemetry spool {}: {} events left from an earlier run will be replayed first", file, pendingEvents);
        } else if (size > 0) {
            truncateToEmpty();
        }
    }

    private long lastNewlineBefore(long size) throws IOException {
        long pos = size;
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (pos > 0) {
            int n = (int) Math.min(buf.capacity(), pos);
            buf.clear().limit(n);
            channel.read(buf, pos - n);
            for (int i = n - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    return pos - n + i;
                }
            }
            pos -= n;
        }
        return -1;
    }

    private long countLines(long from, long to) throws IOException {
        long count = 0;
        ByteBuffer buf = ByteBuffer.allocate(65536);
        for (long pos = from; pos < to; ) {
            buf.clear().limit((int) Math.min(buf.capacity(), to - pos));
            int n = channel.read(buf, pos);
            for (int i = 0; i < n; i++) {
                if (buf.get(i) == '\n') {
                    count++;
                }
            }
            pos += n;
        }
        return count;
    }

    /** Events in the spool not yet acknowledged by Kafka (what the bound applies to). */
    long pendingEvents() {
        return pendingEvents;
    }

    long pendingBytes() {
        return pendingBytes;
    }

    long unreadEvents() {
        return unreadEvents;
    }

    /** Whether lines are waiting that were never handed to Kafka. */
    boolean hasUnread() {
        return unreadEvents > 0;
    }

    /** Whether the file holds nothing unacknowledged. */
    boolean isEmpty() {
        return pendingEvents == 0;
    }

    static String line(String topic, String key, String value) {
        return "{\"topic\":" + quote(topic) + ",\"key\":" + quote(key) + ",\"event\":" + value + "}\n";
    }

    private static String quote(String s) {
        return Json.write(s);
    }

    /** Size in bytes the event takes in the spool. */
    static int sizeOf(String topic, String key, String value) {
        return line(topic, key, value).getBytes(StandardCharsets.UTF_8).length;
    }

    void append(String topic, String key, String value) {
        byte[] bytes = line(topic, key, value).getBytes(StandardCharsets.UTF_8);
        try {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            long pos = channel.size();
            while (buf.hasRemaining()) {
                pos += channel.write(buf, pos);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to telemetry spool " + file, e);
        }
        pendingEvents++;
        pendingBytes += bytes.length;
        unreadEvents++;
        dirty = true;
    }

    /**
     * Up to {@code max} lines from the read position, advancing it. A line that is not a spool record is
     * logged with its byte offset and skipped (reported through {@code malformed}).
     */
    List<Line> read(int max, List<String> malformed) {
        List<Line> lines = new ArrayList<>();
        try {
            long size = channel.size();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            while (lines.size() < max && readOffset < size) {
                buf.clear().limit((int) Math.min(buf.capacity(), size - readOffset));
                int n = channel.read(buf, readOffset);
                int start = 0;
                boolean progressed = false;
                for (int i = 0; i < n && lines.size() < max; i++) {
                    if (buf.get(i) != '\n') {
                        continue;
                    }
                    String text = new String(buf.array(), start, i - start, StandardCharsets.UTF_8);
                    long lineOffset = readOffset + start;
                    long end = readOffset + i + 1;
                    unreadEvents--;
                    Line parsed = parse(text, lineOffset, end);
                    if (parsed == null) {
                        malformed.add(file + " at byte offset " + lineOffset);
                        // keep the acknowledged prefix moving past a bad line
                        lines.add(new Line(null, null, null, lineOffset, end));
                    } else {
                        lines.add(parsed);
                    }
                    start = i + 1;
                    progressed = true;
                }
                if (!progressed) {
                    if (n == buf.capacity()) {
                        buf = ByteBuffer.allocate(buf.capacity() * 2); // a line longer than the buffer
                        continue;
                    }
                    break;
                }
                readOffset += start;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read telemetry spool " + file, e);
        }
        return lines;
    }

    private static Line parse(String text, long startOffset, long endOffset) {
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            JsonNode topic = node.get("topic");
            JsonNode key = node.get("key");
            JsonNode event = node.get("event");
            if (topic == null || !topic.isTextual() || event == null || !(event instanceof ObjectNode)) {
                return null;
            }
            return new Line(topic.asText(), key == null || key.isNull() ? null : key.asText(),
                    Json.MAPPER.writeValueAsString(event), startOffset, endOffset);
        } catch (IOException e) {
            return null;
        }
    }

    /** Moves the read position back to {@code startOffset}, un-reading {@code lines} lines. */
    void unread(long startOffset, int lines) {
        readOffset = startOffset;
        unreadEvents += lines;
    }

    /** Kafka acknowledged every line up to {@code endOffset}; the file is emptied once all are. */
    void acknowledge(long endOffset, int lines, long bytes) {
        ackedOffset = endOffset;
        pendingEvents -= lines;
        pendingBytes -= bytes;
        ackedOffsetDirty = true;
        if (pendingEvents == 0 && unreadEvents == 0) {
            truncateToEmpty();
        }
    }

    /** Forces appends and the acknowledged offset to disk when the fsync interval has passed. */
    void maybeSync(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastSyncNanos < fsyncIntervalNanos) {
            return;
        }
        lastSyncNanos = now;
        try {
            if (dirty) {
                channel.force(false);
                dirty = false;
            }
            if (ackedOffsetDirty) {
                Path tmp = ackedFile.resolveSibling(ackedFile.getFileName() + ".tmp");
                Files.writeString(tmp, Long.toString(ackedOffset));
                Files.move(tmp, ackedFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                ackedOffsetDirty = false;
            }
        } catch (IOException e) {
            LOG.warn("telemetry spool {}: sync failed: {}", file, e.toString());
        }
    }

    private void truncateToEmpty() {
        try {
            channel.truncate(0);
            channel.force(false);
            Files.deleteIfExists(ackedFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot truncate telemetry spool " + file, e);
        }
        readOffset = 0;
        ackedOffset = 0;
        pendingEvents = 0;
        pendingBytes = 0;
        unreadEvents = 0;
        dirty = false;
        ackedOffsetDirty = false;
    }

    /**
     * Rewrites the spool as {@code first} (events taken out but never acknowledged, oldest first) followed
     * by every line not yet read, so the next publisher replays them in the original order.
     */
    void rewriteWithFront(List<String[]> first) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (String[] e : first) {
                    out.write(ByteBuffer.wrap(line(e[0], e[1], e[2]).getBytes(StandardCharsets.UTF_8)));
                }
                long size = channel.size();
                for (long pos = readOffset; pos < size; ) {
                    pos += channel.transferTo(pos, size - pos, out);
                }
                out.force(true);
            }
            channel.close();
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(ackedFile);
            channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite telemetry spool " + file, e);
        }
    }

    @Override
    public void close() {
        maybeSync(true);
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("telemetry spool {}: close failed: {}", file, e.toString());
        }
    }
}
