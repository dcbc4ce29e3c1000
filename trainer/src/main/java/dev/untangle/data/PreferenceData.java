package dev.untangle.data;

import java.util.List;

/** The pairs a read kept, in file order, and the counts of what it saw and dropped. */
public record PreferenceData(List<PreferencePair> pairs, DataStats stats) {
    public PreferenceData {
        pairs = List.copyOf(pairs);
    }
}
