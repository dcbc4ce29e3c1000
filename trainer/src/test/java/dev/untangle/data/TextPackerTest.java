package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextPackerTest {
    @Test
    void documentsAreJoinedByEndOfTextAndCutIntoRows() {
        ByteTokenizer tok = new ByteTokenizer();
        // stream: a b c | d e | f g |  (11 tokens, "|" = eot) -> rows of 4: "abc|" "de|f" "g|"
        List<int[]> rows = TextPacker.pack(List.of("abc", "de", "fg"), tok, 4);
        assertEquals(List.of("abc|", "de|f", "g|"), rows.stream().map(tok::decode).toList());
        // a final row of one token is dropped (it has no target)
        assertEquals(List.of("ab|c"), TextPacker.pack(List.of("ab", "c"), tok, 4).stream().map(tok::decode).toList());
    }
}
