package dev.untangle.tokenizer;

/** Text to token ids and back. Implementations never truncate or pad. */
public interface TextTokenizer {
    int[] encode(String text);

    String decode(int[] ids);

    /** Number of ids the model's embedding must cover. */
    int vocabSize();

    /** The end-of-text id, used as the separator and padding id. */
    int endOfTextId();
}
