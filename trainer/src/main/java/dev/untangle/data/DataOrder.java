package dev.untangle.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Deterministic order and held-out split.
 *
 * <p>Shuffling is Fisher-Yates driven by {@link java.util.Random}, whose generator the Java specification
 * fixes exactly, so a seed gives the same order on every JVM and version.
 *
 * <p>The split does not depend on position: an item is held out iff a 64-bit hash of its key, mixed with
 * the seed, falls below {@code fraction}. So the same pair stays on the same side when the file grows, is
 * reordered, or other records are skipped under a different {@link BadRecordPolicy}, and duplicates never
 * straddle the split. The held-out share is therefore fraction only in expectation; when a nonzero fraction
 * would leave the held-out side empty, the single item with the lowest hash is held out.
 */
public final class DataOrder {
    private DataOrder() {
    }

    /** Train and held-out items, each in the input order. */
    public record Split<T>(List<T> train, List<T> heldOut) {
        public Split {
            train = List.copyOf(train);
            heldOut = List.copyOf(heldOut);
        }
    }

    /** A shuffled copy: Fisher-Yates from the last position down, j = random.nextInt(i + 1). */
    public static <T> List<T> shuffled(List<T> items, long seed) {
        List<T> out = new ArrayList<>(items);
        Random random = new Random(seed);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T swap = out.get(i);
            out.set(i, out.get(j));
            out.set(j, swap);
        }
        return out;
    }

    public static <T> Split<T> split(List<T> items, Function<T, String> key, double heldOutFraction, long seed) {
        if (!(heldOutFraction >= 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("held-out fraction must be in [0, 1), got " + heldOutFraction);
        }
        List<T> train = new ArrayList<>();
        List<T> heldOut = new ArrayList<>();
        int lowest = -1;
        double lowestUnit = 2;
        for (int i = 0; i < items.size(); i++) {
            double unit = unitHash(key.apply(items.get(i)), seed);
            if (unit < lowestUnit) {
                lowestUnit = unit;
                lowest = i;
            }
            (unit < heldOutFraction ? heldOut : train).add(items.get(i));
        }
        if (heldOutFraction > 0 && heldOut.isEmpty() && items.size() >= 2) {
            heldOut.add(items.get(lowest));
            train.remove(lowest);
        }
        return new Split<>(train, heldOut);
    }

    /** The split of preference pairs, keyed by their full text (prompt, chosen, rejected). */
    public static Split<PreferencePair> splitPairs(List<PreferencePair> pairs, double heldOutFraction, long seed) {
        return split(pairs, p -> p.prompt() + '\0' + p.chosen() + '\0' + p.rejected(), heldOutFraction, seed);
    }

    /** A number in [0, 1) from FNV-1a-64 of the key's UTF-8 bytes, mixed with the seed by SplitMix64. */
    static double unitHash(String key, long seed) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x100000001b3L;
        }
        return (mix64(hash ^ seed) >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's finalizer: a bijective scramble of 64 bits. */
    static long mix64(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
