package dev.untangle.bench;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.untangle.data.EncodedPair;
import dev.untangle.loss.LossConfig;
import dev.untangle.model.GptConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Entry points of `./untangle bench ...` (cli.BenchCommand): each prints its numbers and the conditions. */
public final class Benchmarks {
    /** Pairs read from the data file; enough for every batch of a default run without repeating. */
    private static final int PAIRS_READ = 640;

    private Benchmarks() {
    }

    /** The model, data and timing options of a trainer benchmark. */
    public record Settings(Path data, Path tokenizer, int vocabSize, String preset, int batch, int maxLength,
                           int warmup, int rounds, double lr) {
        BenchFixture.Shape shape() {
            return new BenchFixture.Shape(GptConfig.preset(preset, vocabSize), batch, maxLength);
        }
    }

    public static void probe(Settings s, PrintStream out) throws IOException {
        BenchFixture.Encoded pairs = read(s, s.maxLength());
        conditions(out);
        try (BenchFixture fixture = new BenchFixture(s.shape(), pairs.pairs(), pairs.padId(), s.lr(), 1)) {
            ProbeBench.print(ProbeBench.run(fixture, s.warmup(), s.rounds()), s.shape().describe(), out);
        }
        conditions(out);
    }

    /** @return false when the root manager's array count grew (a leak) */
    public static boolean memory(Settings s, int steps, PrintStream out) throws IOException {
        BenchFixture.Encoded pairs = read(s, s.maxLength());
        conditions(out);
        out.printf("memory bench: %d probe steps (%s)%n", steps, s.shape().describe());
        try (BenchFixture fixture = new BenchFixture(s.shape(), pairs.pairs(), pairs.padId(), s.lr(), 1)) {
            MemoryBench.Result r = MemoryBench.run(fixture, steps, Math.max(1, steps / 20), out);
            out.printf("  root arrays first %d, last %d, max %d%n", r.firstArrays(), r.lastArrays(), r.maxArrays());
            out.printf("  RSS MB first %.1f, last %.1f, max %.1f%n", r.firstRssKb() / 1024.0, r.lastRssKb() / 1024.0,
                    r.maxRssKb() / 1024.0);
            if (r.leaked()) {
                out.println("  LEAK: the root manager's array count grew after the first step");
                return false;
            }
            out.println("  flat: the root manager's array count did not grow");
            return true;
        }
    }

    public static void scaling(Settings s, int[] lengths, int[] widths, int[] batches, PrintStream out) throws IOException {
        Map<Integer, List<EncodedPair>> byLength = new HashMap<>();
        BenchFixture.Encoded base = read(s, s.maxLength());
        byLength.put(s.maxLength(), base.pairs());
        conditions(out);
        out.println(ScalingBench.header());
        ScalingBench.run(s.shape(), base.pairs(), base.padId(), s.lr(), s.warmup(), s.rounds(), lengths, widths,
                batches, out, length -> byLength.computeIfAbsent(length, l -> {
                    try {
                        return read(s, l).pairs();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
        conditions(out);
    }

    public static void pytorch(Settings s, Path script, int blocks, int threads, PrintStream out)
            throws IOException, InterruptedException {
        if (!Files.exists(script)) {
            throw new IOException("--script " + script + ": not found (run from the repository root)");
        }
        BenchFixture.Encoded pairs = read(s, s.maxLength());
        Engine.getInstance(); // loads the native library before JniUtils is called
        JniUtils.setNumThreads(threads);
        conditions(out);
        out.printf("pytorch bench: plain DPO step, %s, %d blocks of %d steps each side%n", s.shape().describe(),
                blocks, s.rounds());
        double beta = LossConfig.defaults().beta();
        try (BenchFixture fixture = new BenchFixture(s.shape(), pairs.pairs(), pairs.padId(), s.lr(), 1)) {
            PytorchBench.Result r = PytorchBench.run(fixture, s.shape(), pairs.pairs(), pairs.padId(), s.lr(), beta,
                    script, blocks, s.rounds(), s.warmup(), threads, out);
            out.printf("  untangle (DJL %s, libtorch %s, %d threads): median %.1f ms/step%n",
                    Engine.getDjlVersion(), Engine.getInstance().getVersion(), JniUtils.getNumThreads(),
                    1e3 * r.javaSeconds());
            out.printf("  PyTorch eager (torch %s, %d threads): median %.1f ms/step%n", r.torchVersion(), r.threads(),
                    1e3 * r.pythonSeconds());
            out.printf("  steps/s untangle over steps/s PyTorch: %.3f%n", r.speedRatio());
        }
        conditions(out);
    }

    private static BenchFixture.Encoded read(Settings s, int maxLength) throws IOException {
        return BenchFixture.readPairs(s.data(), s.tokenizer(), s.vocabSize(), maxLength, PAIRS_READ);
    }

    /** The machine's load, printed before and after: these VMs are shared and the numbers depend on it. */
    static void conditions(PrintStream out) {
        Engine.getInstance(); // loads the native library before JniUtils is called
        String load = "?";
        try {
            load = Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException ignored) {
            // not Linux: leave "?"
        }
        out.printf("conditions: %d cpus, torch threads %d, loadavg %s%n", Runtime.getRuntime().availableProcessors(),
                JniUtils.getNumThreads(), load);
    }
}
