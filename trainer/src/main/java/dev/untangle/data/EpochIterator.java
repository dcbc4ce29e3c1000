package dev.untangle.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Endless passes over a fixed list, each epoch in its own seeded order ({@link DataOrder#shuffled} with seed
 * {@code mix64(seed + epoch)}), resumable from a {@link DataCursor}. A batch that reaches the end of an epoch
 * continues into the next one, so every batch is full. Owned by one training loop; not thread-safe.
 */
public final class EpochIterator<T> {
    private final List<T> items;
    private final long seed;
    private int epoch;
    private int position;
    private List<T> order;

    public EpochIterator(List<T> items, DataCursor from) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("nothing to iterate over");
        }
        if (from.position() >= items.size()) {
            throw new IllegalArgumentException("cursor position " + from.position() + " is past the " + items.size()
                    + " items of an epoch: was it saved for different data?");
        }
        this.items = List.copyOf(items);
        this.seed = from.seed();
        this.epoch = from.epoch();
        this.position = (int) from.position();
        this.order = orderOf(epoch);
    }

    /** The order of one epoch, for inspection and tests. */
    public List<T> orderOf(int epochNumber) {
        return DataOrder.shuffled(items, DataOrder.mix64(seed + epochNumber));
    }

    public T next() {
        T item = order.get(position++);
        if (position == order.size()) {
            epoch++;
            position = 0;
            order = orderOf(epoch);
        }
        return item;
    }

    public List<T> nextBatch(int size) {
        List<T> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            batch.add(next());
        }
        return batch;
    }

    /** The cursor to save now; an iterator built from it returns what this one would return next. */
    public DataCursor cursor() {
        return new DataCursor(epoch, position, seed);
    }
}
