package dev.untangle.experiment;

import dev.untangle.data.DataOrder;
import dev.untangle.data.EncodedPair;
import dev.untangle.data.ImdbReview;
import dev.untangle.loop.Example;
import dev.untangle.tokenizer.TextTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The controlled sentiment data built from IMDb reviews (the paper's sentiment experiment, our construction).
 *
 * <p>A prompt is {@code <eot> + first reviewTokens tokens of the review + " Sentiment:"}; the label word is
 * one token (checked: a multi-token label would make the "one-token" pairs longer than one token).
 * SFT rows are {@code prompt + label + <eot>}, trained as plain language modelling (every token scored), so
 * the model learns review text as well as the label. Preference pairs share the prompt and differ only in
 * the label token: chosen = the positive label (or, with "correct", the review's own label), rejected =
 * the other one, each followed by the same suffix
 * tokens (none for the "1t" variant). No end-of-text is appended to the pair responses, so "1t" pairs
 * really are one token each and the suffix variants share exactly the suffix.
 */
public final class SentimentData {
    private final TextTokenizer tokenizer;
    private final int reviewTokens;
    private final int[] prefix;
    private final int positive;
    private final int negative;

    /** A review's prompt tokens and its label. */
    public record Prompt(int[] ids, boolean positive) {
    }

    public SentimentData(TextTokenizer tokenizer, int reviewTokens, String positiveWord, String negativeWord) {
        this.tokenizer = tokenizer;
        this.reviewTokens = reviewTokens;
        this.prefix = tokenizer.encode(" Sentiment:");
        this.positive = singleToken(positiveWord, "positive label");
        this.negative = singleToken(negativeWord, "negative label");
        if (positive == negative) {
            throw new IllegalArgumentException("the two label words encode to the same token " + positive);
        }
    }

    private int singleToken(String word, String what) {
        int[] ids = tokenizer.encode(word);
        if (ids.length != 1) {
            throw new IllegalArgumentException(what + " '" + word + "' is " + ids.length + " tokens " + Arrays.toString(ids)
                    + " under this vocabulary; choose a word that is one token (e.g. ' good', ' bad') or a larger --vocab-size");
        }
        return ids[0];
    }

    /** Balanced, seeded selection: alternately a positive and a negative review, {@code count} in all. */
    public static List<ImdbReview> balanced(List<ImdbReview> reviews, int count, long seed) {
        List<ImdbReview> shuffled = DataOrder.shuffled(reviews, seed);
        List<ImdbReview> pos = shuffled.stream().filter(ImdbReview::positive).toList();
        List<ImdbReview> neg = shuffled.stream().filter(r -> !r.positive()).toList();
        List<ImdbReview> out = new ArrayList<>(count);
        for (int i = 0; out.size() < count && (i < pos.size() || i < neg.size()); i++) {
            if (i < pos.size()) {
                out.add(pos.get(i));
            }
            if (out.size() < count && i < neg.size()) {
                out.add(neg.get(i));
            }
        }
        return out;
    }

    public Prompt prompt(ImdbReview review) {
        int[] text = tokenizer.encode(review.text());
        int keep = Math.min(reviewTokens, text.length);
        int[] ids = new int[1 + keep + prefix.length];
        ids[0] = tokenizer.endOfTextId();
        System.arraycopy(text, 0, ids, 1, keep);
        System.arraycopy(prefix, 0, ids, 1 + keep, prefix.length);
        return new Prompt(ids, review.positive());
    }

    public int label(boolean isPositive) {
        return isPositive ? positive : negative;
    }

    /** An SFT row as a language-modelling example: first token as context, every later token scored. */
    public Example sftExample(Prompt p) {
        int[] row = Arrays.copyOf(p.ids(), p.ids().length + 2);
        row[row.length - 2] = label(p.positive());
        row[row.length - 1] = tokenizer.endOfTextId();
        return new Example(new int[] {row[0]}, Arrays.copyOfRange(row, 1, row.length));
    }

    /**
     * The pair. {@code alwaysPositive}: chosen = positive label + suffix, rejected = negative label + suffix
     * for every review (the preference is for positive sentiment, as in DPO's IMDb task); otherwise chosen =
     * the review's correct label, rejected = the wrong one (the model must read the review to widen the margin).
     */
    public EncodedPair pair(Prompt p, int[] suffix, long index, boolean alwaysPositive) {
        boolean chosenPositive = alwaysPositive || p.positive();
        return new EncodedPair(p.ids(), withSuffix(label(chosenPositive), suffix), withSuffix(label(!chosenPositive), suffix),
                "imdb", index);
    }

    private static int[] withSuffix(int label, int[] suffix) {
        int[] out = new int[1 + suffix.length];
        out[0] = label;
        System.arraycopy(suffix, 0, out, 1, suffix.length);
        return out;
    }

    public int[] encode(String text) {
        return text.isEmpty() ? new int[0] : tokenizer.encode(text);
    }
}
