package dev.untangle.data;

/**
 * One labelled IMDb review (Maas et al. 2011, aclImdb v1). {@code id} is the number before the underscore
 * in {@code <id>_<rating>.txt}; it is unique only within one split and label, so (split, positive, id)
 * identifies a review. {@code rating} is 1-4 for negative and 7-10 for positive reviews. The text has its
 * {@code <br />} tags replaced by newlines.
 */
public record ImdbReview(String text, boolean positive, int rating, String split, String id) {
}
