package dev.untangle.loop;

/** One training sequence: a prompt (not scored; may be empty) and a response (scored). */
public record Example(int[] prompt, int[] response) {
}
