package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.untangle.wire.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DataOrderTest {
    private static final List<Integer> TEN = IntStream.range(0, 10).boxed().toList();

    @Test
    void shuffleIsFisherYatesOverJavaUtilRandom() {
        // Collections.shuffle documents the same backwards swap with nextInt(i + 1): an independent reference
        List<Integer> reference = new ArrayList<>(TEN);
        Collections.shuffle(reference, new Random(42));
        assertEquals(reference, DataOrder.shuffled(TEN, 42));
        // and pinned (value from the reference above), so a change of algorithm is noticed
        assertEquals(List.of(4, 6, 2, 1, 7, 9, 8, 5, 3, 0), DataOrder.shuffled(TEN, 42));
        assertNotEquals(DataOrder.shuffled(TEN, 42), DataOrder.shuffled(TEN, 43));
        assertEquals(TEN, IntStream.range(0, 10).boxed().toList(), "input untouched");
    }

    @Test
    void splitIsStableUnderGrowthAndSkipping() {
        List<String> items = IntStream.range(0, 10_000).mapToObj(i -> "pair-" + i).toList();
        DataOrder.Split<String> full = DataOrder.split(items, s -> s, 0.1, 7);
        // expectation 1000, binomial sd 30
        assertTrue(Math.abs(full.heldOut().size() - 1000) < 120, "held out " + full.heldOut().size());
        assertEquals(10_000, full.train().size() + full.heldOut().size());
        // drop every third item (as a different skip policy might): survivors keep their side
        List<String> fewer = items.stream().filter(s -> s.hashCode() % 3 != 0).toList();
        Set<String> heldOutFull = new HashSet<>(full.heldOut());
        for (String s : DataOrder.split(fewer, x -> x, 0.1, 7).heldOut()) {
            assertTrue(heldOutFull.contains(s), s);
        }
        // another seed gives another split
        assertNotEquals(full.heldOut(), DataOrder.split(items, s -> s, 0.1, 8).heldOut());
        // order within each side is input order
        assertEquals(full.heldOut().stream().sorted((a, b) -> items.indexOf(a) - items.indexOf(b)).toList(),
                full.heldOut());
    }

    @Test
    void tinySplitStillHoldsOneOut() {
        DataOrder.Split<String> split = DataOrder.split(List.of("a", "b", "c"), s -> s, 0.01, 1);
        assertEquals(1, split.heldOut().size());
        assertEquals(2, split.train().size());
        assertEquals(0, DataOrder.split(List.of("a", "b"), s -> s, 0.0, 1).heldOut().size());
    }
}
