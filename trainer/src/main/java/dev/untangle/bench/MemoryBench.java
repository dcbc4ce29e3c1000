package dev.untangle.bench;

import ai.djl.ndarray.NDManager;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory over many probe steps (issue 8): the process RSS (/proc/self/status VmRSS) and the number of
 * arrays the root manager still manages (parameters, optimizer state and anything a step leaked into a
 * long-lived manager). The count is taken after the first step, once the optimizer has created its state;
 * any growth after that is a leak (notes/djl.md, Memory), and {@link Result#leaked()} says so.
 */
final class MemoryBench {
    private MemoryBench() {
    }

    record Result(long firstArrays, long lastArrays, long maxArrays, long firstRssKb, long lastRssKb, long maxRssKb) {
        boolean leaked() {
            return lastArrays > firstArrays || maxArrays > firstArrays;
        }
    }

    static Result run(BenchFixture fixture, int steps, int every, PrintStream out) throws IOException {
        NDManager root = fixture.root();
        long firstArrays = -1;
        long maxArrays = 0;
        long lastArrays = 0;
        long firstRss = -1;
        long maxRss = 0;
        long lastRss = 0;
        for (int step = 0; step < steps; step++) {
            fixture.step(step, true);
            long arrays = root.getManagedArrays().size();
            long rss = rssKb();
            if (firstArrays < 0) {
                firstArrays = arrays;
                firstRss = rss;
            }
            maxArrays = Math.max(maxArrays, arrays);
            maxRss = Math.max(maxRss, rss);
            lastArrays = arrays;
            lastRss = rss;
            if (step % every == 0 || step == steps - 1) {
                Runtime heap = Runtime.getRuntime();
                // RSS = Java heap (committed) + native (libtorch allocations, allocator caches, JIT, threads):
                // printing the heap beside it tells which one grows.
                out.printf("  step %5d  root arrays %6d  RSS %7.1f MB  Java heap used %6.1f / committed %6.1f MB%n",
                        step + 1, arrays, rss / 1024.0, (heap.totalMemory() - heap.freeMemory()) / 1048576.0,
                        heap.totalMemory() / 1048576.0);
            }
        }
        return new Result(firstArrays, lastArrays, maxArrays, firstRss, lastRss, maxRss);
    }

    /** Resident set size of this process in kB, from /proc/self/status (Linux). */
    static long rssKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("/proc/self/status has no VmRSS line (not Linux?)");
    }
}
