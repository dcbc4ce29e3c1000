package dev.untangle.data;

/**
 * Where an {@link EpochIterator} stands: the epoch, the index of the next item in that epoch's shuffled
 * order, and the run's data seed. Saved with checkpoints (JSON via dev.untangle.wire.Json:
 * {@code {"epoch":1,"position":37,"seed":42}}) so a resumed run sees exactly the items it would have seen.
 */
public record DataCursor(int epoch, long position, long seed) {
    public DataCursor {
        if (epoch < 0 || position < 0) {
            throw new IllegalArgumentException("epoch and position must be >= 0, got " + epoch + ", " + position);
        }
    }

    /** The start of the first epoch. */
    public static DataCursor start(long seed) {
        return new DataCursor(0, 0, seed);
    }
}
