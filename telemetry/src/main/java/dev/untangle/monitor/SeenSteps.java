package dev.untangle.monitor;

import java.util.TreeSet;

/**
 * Which steps of one run the monitor has already seen, in bounded memory: every step up to
 * {@link #contiguousThrough} plus the set of later steps seen out of order. A step more than
 * {@code reorderWindow} steps behind the newest is treated as seen (too late to matter), which also
 * bounds the set when a step never arrives.
 */
public final class SeenSteps {
    /** Every step <= this has been seen (-1: none yet; runs start at step 0). */
    public long contiguousThrough = -1;
    /** Steps above contiguousThrough already seen. */
    public TreeSet<Long> seenAbove = new TreeSet<>();

    /** Records {@code step}; true the first time it is seen, false for a duplicate or a stale step. */
    public boolean firstSight(long step, int reorderWindow) {
        if (step <= contiguousThrough || !seenAbove.add(step)) {
            return false;
        }
        while (seenAbove.remove(contiguousThrough + 1)) {
            contiguousThrough++;
        }
        long newest = seenAbove.isEmpty() ? contiguousThrough : seenAbove.last();
        if (newest - contiguousThrough > reorderWindow) {
            contiguousThrough = newest - reorderWindow; // give up on steps that never came
            seenAbove.headSet(contiguousThrough, true).clear();
            while (seenAbove.remove(contiguousThrough + 1)) {
                contiguousThrough++;
            }
        }
        return true;
    }
}
