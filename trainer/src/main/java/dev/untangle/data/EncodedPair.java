package dev.untangle.data;

/**
 * A preference pair as token ids, after {@link PairEncoder}'s truncation: prompt + chosen and prompt +
 * rejected each fit the encoder's maxLength. Responses end with the end-of-text id unless they were cut.
 * Arrays are not copied; treat them as read-only.
 */
public record EncodedPair(int[] prompt, int[] chosen, int[] rejected, String source, long line) {
}
