package dev.untangle.bench;

import java.util.Arrays;
import java.util.List;

/** Order statistics of timings: medians, because these shared VMs show sporadic 2-10x outliers (notes/djl.md). */
final class Stats {
    private Stats() {
    }

    static double median(List<Double> values) {
        return quantile(values, 0.5);
    }

    /** Nearest-rank quantile (q in [0,1]) of a non-empty list. */
    static double quantile(List<Double> values, double q) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
