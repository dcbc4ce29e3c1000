package dev.untangle.data;

/** One document of a plain-text corpus; {@code source} and {@code line} (0 for whole-file documents) locate it. */
public record TextDocument(String text, String source, long line) {
}
