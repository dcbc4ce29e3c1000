package dev.untangle.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Cost of watching: a plain DPO step against a probe step on the same model and the same batches,
 * interleaved (issue 8). Each round runs batch r once as a plain step and once as a probe step, in an
 * order that alternates between rounds (AB, BA, ...) so slow drift of the shared machine hits both arms
 * alike. Medians after warm-up. Probe every k steps costs (probe + (k-1)*plain) / (k*plain) of plain
 * training, computed from the two medians.
 */
final class ProbeBench {
    private ProbeBench() {
    }

    /** Medians of each arm, the median of the per-round ratios (robust to load swings), tokens per step. */
    record Result(double plainSeconds, double probeSeconds, double pairedRatio, double tokensPerStep) {
        double ratio() {
            return probeSeconds / plainSeconds;
        }

        /** Time of k steps with one probe among them over k plain steps. */
        double ratioEvery(int k) {
            return (probeSeconds + (k - 1) * plainSeconds) / (k * plainSeconds);
        }
    }

    static Result run(BenchFixture fixture, int warmup, int rounds) {
        List<Double> plain = new ArrayList<>();
        List<Double> probe = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        long tokens = 0;
        for (int round = 0; round < warmup + rounds; round++) {
            boolean probeFirst = round % 2 == 1;
            BenchFixture.Timed first = fixture.step(round, probeFirst);
            BenchFixture.Timed second = fixture.step(round, !probeFirst);
            if (round >= warmup) {
                (probeFirst ? probe : plain).add(first.seconds());
                (probeFirst ? plain : probe).add(second.seconds());
                tokens += first.tokens();
                ratios.add(probe.get(probe.size() - 1) / plain.get(plain.size() - 1));
            }
        }
        return new Result(Stats.median(plain), Stats.median(probe), Stats.median(ratios), (double) tokens / rounds);
    }

    static void print(Result r, String shape, PrintStream out) {
        out.printf("probe bench (%s)%n", shape);
        out.printf("  plain DPO step  median %7.1f ms  (%.0f tokens/s)%n", 1e3 * r.plainSeconds(),
                r.tokensPerStep() / r.plainSeconds());
        out.printf("  probe step      median %7.1f ms%n", 1e3 * r.probeSeconds());
        out.printf("  ratio probe/plain: every step %.3f", r.ratio());
        for (int k : new int[] {2, 4, 8}) {
            out.printf(", every %d: %.3f", k, r.ratioEvery(k));
        }
        out.println();
        out.printf("  median of per-round ratios (same batch, back to back): %.3f%n", r.pairedRatio());
        int k = 1;
        while (r.ratioEvery(k) > 1.05 && k < 1024) {
            k++;
        }
        out.printf("  smallest k with overhead <= 5%%: %d%n", k);
    }
}
