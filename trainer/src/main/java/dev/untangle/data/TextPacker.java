package dev.untangle.data;

import dev.untangle.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Language-model rows from documents (the SFT stage): each document is tokenized and followed by the
 * end-of-text id, the documents are concatenated in the given order, and the stream is cut into rows of
 * {@code rowTokens} tokens (a row of n tokens gives n - 1 training targets in {@link SequenceBatch#ofTexts}).
 * The final partial row is kept if it has at least 2 tokens. No token is dropped or repeated, so the total
 * equals the sum of document lengths plus one end-of-text per document.
 */
public final class TextPacker {
    private TextPacker() {
    }

    public static List<int[]> pack(List<String> documents, TextTokenizer tokenizer, int rowTokens) {
        if (rowTokens < 2) {
            throw new IllegalArgumentException("rowTokens must be at least 2, got " + rowTokens);
        }
        List<int[]> rows = new ArrayList<>();
        int[] row = new int[rowTokens];
        int filled = 0;
        for (String document : documents) {
            int[] ids = tokenizer.encode(document);
            int[] withEnd = Arrays.copyOf(ids, ids.length + 1);
            withEnd[ids.length] = tokenizer.endOfTextId();
            int at = 0;
            while (at < withEnd.length) {
                int n = Math.min(rowTokens - filled, withEnd.length - at);
                System.arraycopy(withEnd, at, row, filled, n);
                filled += n;
                at += n;
                if (filled == rowTokens) {
                    rows.add(row);
                    row = new int[rowTokens];
                    filled = 0;
                }
            }
        }
        if (filled >= 2) {
            rows.add(Arrays.copyOf(row, filled));
        }
        return rows;
    }
}
