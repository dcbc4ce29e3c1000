package dev.untangle.preference;

import dev.untangle.loop.Example;

/** A tokenized preference pair: both examples share the same prompt tokens. */
public record PairExample(Example chosen, Example rejected, String source, long line) {
}
