package dev.untangle.cli;

import dev.untangle.bench.Benchmarks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * ./untangle bench: the cost of watching (issue 8; results and how to reproduce them in bench/RESULTS.md).
 * One small class per subcommand; the measuring code lives in dev.untangle.bench.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: probe overhead, monitor throughput/latency, memory, scaling, PyTorch comparison.",
        subcommands = {BenchCommand.Probe.class, BenchCommand.Monitor.class, BenchCommand.Memory.class,
                BenchCommand.Scaling.class, BenchCommand.Pytorch.class})
public final class BenchCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** Model, data and timing options shared by the trainer benchmarks. */
    static final class Options {
        @Option(names = "--data", defaultValue = "../shared/data/hh-rlhf/harmless-base-test.jsonl.gz",
                description = "preference pairs (default: ${DEFAULT-VALUE})")
        Path data;

        @Option(names = "--tokenizer", defaultValue = "../shared/data/gpt2-tokenizer", description = "GPT-2 tokenizer files (default: ${DEFAULT-VALUE})")
        Path tokenizer;

        @Option(names = "--vocab-size", defaultValue = "4096", description = "vocabulary (default: ${DEFAULT-VALUE})")
        int vocabSize;

        @Option(names = "--preset", defaultValue = "small", description = "model preset: tiny, small, medium, gpt2 (default: ${DEFAULT-VALUE})")
        String preset;

        @Option(names = "--batch", defaultValue = "8", description = "pairs per step (default: ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--max-length", defaultValue = "256", description = "tokens per sequence (default: ${DEFAULT-VALUE})")
        int maxLength;

        @Option(names = "--warmup", defaultValue = "4", description = "untimed rounds first (default: ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--rounds", defaultValue = "20", description = "timed rounds (default: ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--lr", defaultValue = "1e-5", description = "AdamW learning rate (default: ${DEFAULT-VALUE})")
        double lr;

        Benchmarks.Settings settings() {
            return new Benchmarks.Settings(data, tokenizer, vocabSize, preset, batch, maxLength, warmup, rounds, lr);
        }
    }

    @Command(name = "probe", mixinStandardHelpOptions = true,
            description = "Plain DPO step vs probe step, interleaved; medians; ratio and the k at which probing every k steps costs <= 5%%.")
    static final class Probe implements Callable<Integer> {
        @Mixin
        Options options;

        @Override
        public Integer call() throws Exception {
            Benchmarks.probe(options.settings(), System.out);
            return 0;
        }
    }

    @Command(name = "monitor", mixinStandardHelpOptions = true,
            description = "Events/s through the Kafka Streams monitor on the embedded broker, step-to-decision latency p50/p99 (MonitorBench).")
    static final class Monitor implements Callable<Integer> {
        @Option(names = "--events", defaultValue = "100000", description = "backlog events for throughput (default: ${DEFAULT-VALUE})")
        int events;

        @Option(names = "--seconds", defaultValue = "20", description = "latency phase length (default: ${DEFAULT-VALUE})")
        int seconds;

        @Option(names = "--rate", defaultValue = "50", description = "events/s in the latency phase (default: ${DEFAULT-VALUE})")
        int rate;

        @Option(names = "--commit-interval-ms", defaultValue = "100", description = "Streams commit interval (default: ${DEFAULT-VALUE})")
        long commitIntervalMs;

        @Override
        public Integer call() throws Exception {
            dev.untangle.monitor.MonitorBench.main(new String[] {Integer.toString(events), Integer.toString(seconds),
                    Integer.toString(rate), Long.toString(commitIntervalMs)});
            return 0;
        }
    }

    @Command(name = "memory", mixinStandardHelpOptions = true,
            description = "RSS and the root manager's array count over many probe steps; exit 1 if the array count grows.")
    static final class Memory implements Callable<Integer> {
        @Mixin
        Options options;

        @Option(names = "--steps", defaultValue = "1000", description = "probe steps (default: ${DEFAULT-VALUE})")
        int steps;

        @Override
        public Integer call() throws Exception {
            return Benchmarks.memory(options.settings(), steps, System.out) ? 0 : 1;
        }
    }

    @Command(name = "scaling", mixinStandardHelpOptions = true,
            description = "Step time and probe overhead against sequence length, width and batch (one factor at a time).")
    static final class Scaling implements Callable<Integer> {
        @Mixin
        Options options;

        @Option(names = "--lengths", split = ",", defaultValue = "64,128,256", description = "sequence lengths (default: ${DEFAULT-VALUE})")
        int[] lengths;

        @Option(names = "--widths", split = ",", defaultValue = "64,128,256", description = "widths d (default: ${DEFAULT-VALUE})")
        int[] widths;

        @Option(names = "--batches", split = ",", defaultValue = "4,8,16", description = "pairs per step (default: ${DEFAULT-VALUE})")
        int[] batches;

        @Override
        public Integer call() throws Exception {
            Benchmarks.scaling(options.settings(), lengths, widths, batches, System.out);
            return 0;
        }
    }

    @Command(name = "pytorch", mixinStandardHelpOptions = true,
            description = "untangle's plain DPO step vs the same step in PyTorch eager (Debian python3-torch), alternating blocks.")
    static final class Pytorch implements Callable<Integer> {
        @Mixin
        Options options;

        @Option(names = "--script", defaultValue = "bench/run-pytorch.sh", description = "runner script (default: ${DEFAULT-VALUE})")
        Path script;

        @Option(names = "--blocks", defaultValue = "3", description = "alternating blocks (default: ${DEFAULT-VALUE})")
        int blocks;

        @Option(names = "--threads", defaultValue = "2", description = "intra-op threads for PyTorch (default: ${DEFAULT-VALUE})")
        int threads;

        @Override
        public Integer call() throws Exception {
            Benchmarks.pytorch(options.settings(), script, blocks, threads, System.out);
            return 0;
        }
    }
}
