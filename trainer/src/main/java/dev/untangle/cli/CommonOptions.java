package dev.untangle.cli;

import dev.untangle.data.BadRecordPolicy;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options every training command shares (mixed into each command so --help lists them). */
final class CommonOptions {
    @Option(names = "--tokenizer", defaultValue = "../shared/data/gpt2-tokenizer",
            description = "GPT-2 encoder.json + vocab.bpe folder, or a tokenizer.json (default: ${DEFAULT-VALUE}); "
                    + "ignored when the --init model has its own tokenizer.json")
    Path tokenizer;

    @Option(names = "--vocab-size", defaultValue = "4096",
            description = "total vocabulary: 256 bytes + the first N-257 GPT-2 merges + end-of-text; 0 = full 50,257 "
                    + "(default: ${DEFAULT-VALUE}, small enough for a CPU)")
    int vocabSize;

    @Option(names = "--max-length", defaultValue = "256", description = "tokens per sequence, prompt + response (default: ${DEFAULT-VALUE})")
    int maxLength;

    @Option(names = "--on-bad-record", defaultValue = "fail",
            description = "fail: stop at the first bad record with file, line and field; skip: count and go on (default: ${DEFAULT-VALUE})")
    String onBadRecord;

    @Option(names = "--held-out", defaultValue = "0.1", description = "fraction of pairs held out for evaluation (default: ${DEFAULT-VALUE})")
    double heldOut;

    @Option(names = "--seed", defaultValue = "1", description = "data order, split and init seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--device", defaultValue = "auto", description = "auto (a GPU when present), cpu, gpu or gpu:N (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--verbose", description = "stack traces on errors")
    void verbose(boolean on) {
        UserErrors.verbose = on;
    }

    BadRecordPolicy badRecordPolicy() {
        return BadRecordPolicy.parse(onBadRecord);
    }
}
