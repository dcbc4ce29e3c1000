package dev.untangle.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Checkpoint directories under one root, written atomically: files go to a temporary sibling folder,
 * each is fsynced, the folder is renamed into place and fsynced, and only then the {@code latest}
 * pointer is replaced (temp file + fsync + rename). A process killed at any moment leaves either the
 * previous checkpoint or the new one as {@code latest}, never a half-written one.
 *
 * <pre>
 *   root/step-00000100/   model.safetensors, config.json, optimizer.safetensors, state.json, ...
 *   root/latest           "step-00000100"
 * </pre>
 */
public final class CheckpointStore {
    private static final String LATEST = "latest";
    private static final String PREFIX = "step-";
    private final Path root;
    private final int keep;

    /** Writes a checkpoint's files into a fresh directory. */
    @FunctionalInterface
    public interface Writer {
        void writeInto(Path directory) throws IOException;
    }

    public CheckpointStore(Path root, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        this.root = root;
        this.keep = keep;
    }

    public Path root() {
        return root;
    }

    /** Writes the checkpoint of {@code step} atomically and makes it the latest; returns its folder. */
    public Path save(long step, Writer writer) throws IOException {
        Files.createDirectories(root);
        String name = String.format("%s%08d", PREFIX, step);
        Path target = root.resolve(name);
        Path temp = Files.createTempDirectory(root, "." + name + ".partial-");
        writer.writeInto(temp);
        try (Stream<Path> files = Files.list(temp)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                fsync(f);
            }
        }
        fsync(temp);
        if (Files.exists(target)) {
            deleteTree(target); // a re-save of the same step (e.g. after resume) replaces it
        }
        move(temp, target);
        fsync(root);
        Path pointerTemp = root.resolve("." + LATEST + ".tmp");
        Files.writeString(pointerTemp, name + "\n", StandardCharsets.UTF_8);
        fsync(pointerTemp);
        move(pointerTemp, root.resolve(LATEST));
        fsync(root);
        prune();
        return target;
    }

    /** The latest complete checkpoint, if any. Leftover partial folders are ignored. */
    public Optional<Path> latest() throws IOException {
        Path pointer = root.resolve(LATEST);
        if (!Files.exists(pointer)) {
            return Optional.empty();
        }
        String name = Files.readString(pointer, StandardCharsets.UTF_8).trim();
        Path dir = root.resolve(name);
        if (!name.startsWith(PREFIX) || !Files.isDirectory(dir)) {
            throw new IOException(pointer + ": points to '" + name + "', which is not a checkpoint folder");
        }
        return Optional.of(dir);
    }

    private void prune() throws IOException {
        List<Path> complete = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            entries.filter(p -> p.getFileName().toString().startsWith(PREFIX) && Files.isDirectory(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .forEach(complete::add);
        }
        for (int i = 0; i < complete.size() - keep; i++) {
            deleteTree(complete.get(i));
        }
        try (Stream<Path> entries = Files.list(root)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (p.getFileName().toString().contains(".partial-")) {
                    deleteTree(p); // debris of a write that was killed
                }
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the checkpoint folder " + to.getParent() + " does not support atomic rename", e);
        }
    }

    static void fsync(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException ignored) {
                // some file systems refuse to open directories for sync; the file fsyncs still hold
            }
        } else {
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
