package dev.untangle.data;

import dev.untangle.tokenizer.TextTokenizer;
import java.nio.charset.StandardCharsets;

/** Test tokenizer: one id per UTF-8 byte, end-of-text = 256. Token counts are byte counts. */
final class ByteTokenizer implements TextTokenizer {
    static final int EOT = 256;

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder s = new StringBuilder();
        for (int id : ids) {
            s.append(id == EOT ? "|" : String.valueOf((char) id));
        }
        return s.toString();
    }

    @Override
    public int vocabSize() {
        return 257;
    }

    @Override
    public int endOfTextId() {
        return EOT;
    }
}
