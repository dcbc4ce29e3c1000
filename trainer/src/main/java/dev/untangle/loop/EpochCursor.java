package dev.untangle.loop;

import java.util.SplittableRandom;

/**
 * Walks a dataset of {@code size} items in seeded random order, epoch after epoch. The order of an
 * epoch depends only on (seed, epoch), so (epoch, position) is the whole state a resume needs.
 */
public final class EpochCursor {
    private final int size;
    private final long seed;
    private long epoch;
    private long position;
    private int[] order;

    public EpochCursor(int size, long seed, long epoch, long position) {
        if (size <= 0) {
            throw new IllegalArgumentException("no training examples");
        }
        this.size = size;
        this.seed = seed;
        this.epoch = epoch;
        this.position = position;
        this.order = permutation(size, seed, epoch);
    }

    /** The next {@code count} item indices, wrapping into the next epoch when this one ends. */
    public int[] next(int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            if (position >= size) {
                epoch++;
                position = 0;
                order = permutation(size, seed, epoch);
            }
            out[i] = order[(int) position++];
        }
        return out;
    }

    public long epoch() {
        return epoch;
    }

    public long position() {
        return position;
    }

    /** Fisher-Yates with a generator seeded from (seed, epoch). */
    static int[] permutation(int size, long seed, long epoch) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
