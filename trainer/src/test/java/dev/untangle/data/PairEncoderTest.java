package dev.untangle.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Truncation checked with a byte tokenizer, where "decode" shows exactly which characters survived ("|" = eot). */
class PairEncoderTest {
    private final ByteTokenizer tok = new ByteTokenizer();

    private String text(int[] ids) {
        return tok.decode(ids);
    }

    @Test
    void shortPairIsKeptWhole() {
        PairEncoder encoder = new PairEncoder(tok, 16);
        EncodedPair e = encoder.encode(new PreferencePair("Q:", " yes", " no", "f", 3));
        assertArrayEquals(new int[] {'Q', ':'}, e.prompt());
        assertEquals(" yes|", text(e.chosen()));
        assertEquals(" no|", text(e.rejected()));
        assertEquals("f", e.source());
        assertEquals(3, e.line());
        assertEquals(0, encoder.truncatedPairs());
    }

    @Test
    void longPromptKeepsItsEndBesideTheLongerResponse() {
        // maxLength 10; prompt 12 tokens; chosen " abc|" = 5, rejected " x|" = 3.
        // keep = min(12, 5) = 5, budget 5: no response cut; prompt keeps its last 10 - 5 = 5 tokens.
        PairEncoder encoder = new PairEncoder(tok, 10);
        EncodedPair e = encoder.encode(new PreferencePair("0123456789AB", " abc", " x", "f", 1));
        assertEquals("789AB", text(e.prompt()));
        assertEquals(" abc|", text(e.chosen()));
        assertEquals(" x|", text(e.rejected()));
        assertEquals(1, encoder.truncatedPairs());
        assertEquals(1, encoder.truncatedPrompts());
        assertEquals(0, encoder.truncatedResponses());
    }

    @Test
    void longResponseIsCutAtItsTailAndThePromptKeepsHalf() {
        // maxLength 10, prompt "PROMPT" = 6: keep = min(6, 5) = 5, response budget 5.
        // chosen " abcdefgh|" (10) -> " abcd" (no eot: it did not end); rejected " no|" (4) intact.
        // prompt keeps 10 - 5 = 5 -> "ROMPT".
        PairEncoder encoder = new PairEncoder(tok, 10);
        EncodedPair e = encoder.encode(new PreferencePair("PROMPT", " abcdefgh", " no", "f", 1));
        assertEquals(" abcd", text(e.chosen()));
        assertEquals(" no|", text(e.rejected()));
        assertEquals("ROMPT", text(e.prompt()));
        assertEquals(10, e.prompt().length + e.chosen().length);
        assertEquals(1, encoder.truncatedResponses());
        assertEquals(1, encoder.truncatedPrompts());
    }

    @Test
    void shortPromptLetsResponsesUseTheRest() {
        // prompt "Q" = 1: keep = 1, budget 9: chosen " abcdefgh|" (10) -> 9 tokens; prompt intact.
        PairEncoder encoder = new PairEncoder(tok, 10);
        EncodedPair e = encoder.encode(new PreferencePair("Q", " abcdefgh", " n", "f", 1));
        assertEquals("Q", text(e.prompt()));
        assertEquals(" abcdefgh", text(e.chosen()));
        assertEquals(0, encoder.truncatedPrompts());
        assertEquals(1, encoder.truncatedPairs());
    }

    @Test
    void emptyPromptBecomesEndOfText() {
        EncodedPair e = new PairEncoder(tok, 8).encode(new PreferencePair("", "a", "b", "f", 1));
        assertArrayEquals(new int[] {ByteTokenizer.EOT}, e.prompt());
        assertArrayEquals(new int[] {'a', ByteTokenizer.EOT}, e.chosen());
    }

    @Test
    void everySideKeepsAtLeastOneTokenAtTheSmallestLength() {
        EncodedPair e = new PairEncoder(tok, 2).encode(new PreferencePair("long prompt", " long reply", " other", "f", 1));
        assertEquals("t", text(e.prompt()));
        assertEquals(" ", text(e.chosen()));
        assertEquals(" ", text(e.rejected()));
    }
}
