package dev.untangle.monitor;

import dev.untangle.wire.Topics;

/**
 * The four topics one monitor reads and writes. {@link #DEFAULT} are the contract names of
 * {@link Topics}; {@link #prefixed} gives an isolated set (replays on a shared cluster, tests sharing
 * one broker). Steps and evals must have the same partition count (one run stays on one partition).
 */
public record TopicNames(String steps, String evals, String alerts, String control) {
    public static final TopicNames DEFAULT = new TopicNames(Topics.STEPS, Topics.EVALS, Topics.ALERTS, Topics.CONTROL);

    public static TopicNames prefixed(String prefix) {
        return new TopicNames(prefix + Topics.STEPS, prefix + Topics.EVALS, prefix + Topics.ALERTS,
                prefix + Topics.CONTROL);
    }

    public String[] all() {
        return new String[] {steps, evals, alerts, control};
    }
}
