package dev.untangle.data;

/**
 * One preference record as text: the prompt shared by both responses, the chosen and the rejected
 * continuation. {@code source} and {@code line} say where it came from, for error messages.
 */
public record PreferencePair(String prompt, String chosen, String rejected, String source, long line) {
}
