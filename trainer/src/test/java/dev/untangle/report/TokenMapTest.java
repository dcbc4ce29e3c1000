package dev.untangle.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TokenMapTest {

    @Test
    void quotedTokensKeepCommasQuotesAndSpaces() {
        assertEquals(List.of("", " a", "b,c", "say \"hi\"", ""), TokenMap.split(", a,\"b,c\",\"say \"\"hi\"\"\","));
    }

    @Test
    void readsRowsAsChosenAndColumnsAsRejected(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("m.csv"), "x,A,B\nc1,0.5,-1\n\nc2,0,1e-1\n");
        TokenMap map = TokenMap.read(file);
        assertEquals("m", map.name());
        assertEquals(List.of("c1", "c2"), map.chosen());
        assertEquals(List.of("A", "B"), map.rejected());
        assertArrayEquals(new double[]{0.5, -1}, map.values()[0]);
        assertArrayEquals(new double[]{0, 0.1}, map.values()[1]);
    }

    @Test
    void badCellsAreNamedByFileLineAndColumn(@TempDir Path dir) throws IOException {
        Path ragged = Files.writeString(dir.resolve("r.csv"), "x,A,B\nc1,0.5\n");
        assertEquals(ragged + ":2: 2 cells, header has 3",
                assertThrows(IllegalArgumentException.class, () -> TokenMap.read(ragged)).getMessage());
        Path text = Files.writeString(dir.resolve("t.csv"), "x,A,B\nc1,0.5,0.1\nc2,0.2,high\n");
        assertEquals(text + ":3: column 3 (rejected token B): not a number: high",
                assertThrows(IllegalArgumentException.class, () -> TokenMap.read(text)).getMessage());
    }

    @Test
    void divergingScaleIsBlueWhiteRed() {
        assertEquals(0x2166ac, Charts.diverging(-1).getRGB() & 0xffffff);
        assertEquals(0xffffff, Charts.diverging(0).getRGB() & 0xffffff);
        assertEquals(0xb2182b, Charts.diverging(1).getRGB() & 0xffffff);
        // halfway to red: (255 + 0xb2)/2 = 216.5 -> 217, (255 + 0x18)/2 = 139.5 -> 140, (255 + 0x2b)/2 = 149
        assertEquals(0xd98c95, Charts.diverging(0.5).getRGB() & 0xffffff);
    }

    @Test
    void tickSpacingsAreOneTwoFive() {
        long[] expected = {2, 5, 10, 20, 50, 100};
        long v = 1;
        for (long e : expected) {
            v = Charts.nextNice(v);
            assertEquals(e, v);
        }
    }
}
