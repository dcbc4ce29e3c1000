package dev.untangle.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class EpochCursorTest {
    private static List<Integer> take(EpochCursor cursor, int batches, int size) {
        List<Integer> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            for (int i : cursor.next(size)) {
                out.add(i);
            }
        }
        return out;
    }

    /** (epoch, position) is the whole state: a cursor rebuilt from them continues the same order. */
    @Test
    void resumesExactlyFromEpochAndPosition() {
        List<Integer> straight = take(new EpochCursor(10, 5, 0, 0), 9, 4); // 36 items, three epoch boundaries
        EpochCursor first = new EpochCursor(10, 5, 0, 0);
        List<Integer> resumed = take(first, 4, 4);
        assertEquals(1, first.epoch());
        assertEquals(6, first.position());
        resumed.addAll(take(new EpochCursor(10, 5, first.epoch(), first.position()), 5, 4));
        assertEquals(straight, resumed);
        Set<Integer> all = new HashSet<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        assertEquals(all, new HashSet<>(straight.subList(0, 10)), "each epoch is a permutation");
        assertEquals(all, new HashSet<>(straight.subList(10, 20)));
        assertNotEquals(straight.subList(0, 10), straight.subList(10, 20), "epochs differ");
    }
}
