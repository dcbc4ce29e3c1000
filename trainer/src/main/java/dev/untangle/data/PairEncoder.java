package dev.untangle.data;

import dev.untangle.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns text pairs into token ids that fit a context of {@code maxLength} tokens.
 *
 * <p>What is added: the end-of-text id is appended to each response, so the model learns to stop; it counts
 * as a response token (it is in |y| and in the summed log-prob). An empty prompt becomes the single
 * end-of-text id, so that the first response token is still predicted from something. Nothing else is added.
 * Prompt and responses are tokenized separately (as TRL does), so a BPE merge across the boundary is never
 * formed; the data's responses begin with a space after "Assistant:", where GPT-2 BPE does not merge anyway.
 *
 * <p>Truncation rule (both sequences, prompt + chosen and prompt + rejected, must fit maxLength):
 * <ol>
 *   <li>the prompt is guaranteed {@code keep = min(|prompt|, maxLength/2)} tokens;</li>
 *   <li>each response longer than {@code maxLength - keep} keeps its first {@code maxLength - keep} tokens
 *       (its tail, including the end-of-text id, is dropped: the model is not told the reply ended);</li>
 *   <li>the prompt then keeps its LAST {@code maxLength - max(|chosen|, |rejected|)} tokens (the turn the
 *       responses answer), dropping the start of a long dialogue.</li>
 * </ol>
 * So every response has at least one token, the prompt at least one, and the longer sequence is exactly
 * maxLength tokens whenever anything was cut. Counters say how many pairs were cut and where; one encoder
 * belongs to one reader thread.
 */
public final class PairEncoder {
    private final TextTokenizer tokenizer;
    private final int maxLength;
    private long pairs;
    private long truncatedPairs;
    private long truncatedPrompts;
    private long truncatedResponses;

    public PairEncoder(TextTokenizer tokenizer, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be at least 2 (one prompt and one response token), got "
                    + maxLength);
        }
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
    }

    public int maxLength() {
        return maxLength;
    }

    public EncodedPair encode(PreferencePair pair) {
        int eot = tokenizer.endOfTextId();
        int[] prompt = tokenizer.encode(pair.prompt());
        if (prompt.length == 0) {
            prompt = new int[] {eot};
        }
        int[] chosen = withEndOfText(tokenizer.encode(pair.chosen()), eot);
        int[] rejected = withEndOfText(tokenizer.encode(pair.rejected()), eot);

        int guaranteedPrompt = Math.min(prompt.length, maxLength / 2);
        int responseBudget = maxLength - guaranteedPrompt;
        boolean chosenCut = chosen.length > responseBudget;
        boolean rejectedCut = rejected.length > responseBudget;
        if (chosenCut) {
            chosen = Arrays.copyOf(chosen, responseBudget);
        }
        if (rejectedCut) {
            rejected = Arrays.copyOf(rejected, responseBudget);
        }
        int promptKeep = Math.min(prompt.length, maxLength - Math.max(chosen.length, rejected.length));
        boolean promptCut = promptKeep < prompt.length;
        if (promptCut) {
            prompt = Arrays.copyOfRange(prompt, prompt.length - promptKeep, prompt.length);
        }

        pairs++;
        if (promptCut || chosenCut || rejectedCut) {
            truncatedPairs++;
        }
        if (promptCut) {
            truncatedPrompts++;
        }
        truncatedResponses += (chosenCut ? 1 : 0) + (rejectedCut ? 1 : 0);
        return new EncodedPair(prompt, chosen, rejected, pair.source(), pair.line());
    }

    public List<EncodedPair> encodeAll(List<PreferencePair> pairsToEncode) {
        List<EncodedPair> encoded = new ArrayList<>(pairsToEncode.size());
        for (PreferencePair pair : pairsToEncode) {
            encoded.add(encode(pair));
        }
        return encoded;
    }

    private static int[] withEndOfText(int[] ids, int eot) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eot;
        return out;
    }

    /** Pairs encoded so far. */
    public long pairs() {
        return pairs;
    }

    /** Pairs where anything (prompt or either response) was cut; goes into {@link DataStats#truncated()}. */
    public long truncatedPairs() {
        return truncatedPairs;
    }

    public long truncatedPrompts() {
        return truncatedPrompts;
    }

    /** Responses (chosen and rejected counted separately) whose tail was cut. */
    public long truncatedResponses() {
        return truncatedResponses;
    }
}
