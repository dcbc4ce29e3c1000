package dev.untangle.data;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code untangle inspect-data FILE}: reads a preference file (or, with --text, a text corpus) the way
 * training would and prints what it found, so bad data is found before a run starts. A bad record prints
 * its one-line {@link DataException} message (file:line: field 'x': why) and exits with status 2; no stack
 * trace. Registered as a subcommand of the main CLI, or run alone through {@link #main}.
 */
@Command(name = "inspect-data", mixinStandardHelpOptions = true,
        description = "Read a preference JSONL (HH-RLHF, prompt/chosen/rejected, OpenAI; .gz detected) or a text "
                + "corpus and print counts of records read and skipped by reason.")
public final class InspectDataCommand implements Callable<Integer> {
    /** Exit status for bad input (0 = read fine). */
    public static final int BAD_DATA = 2;

    @Parameters(index = "0", paramLabel = "FILE", description = "Data file or directory.")
    Path file;

    @Option(names = "--on-bad-record", paramLabel = "fail|skip", defaultValue = "fail",
            converter = PolicyConverter.class,
            description = "fail (default): stop at the first bad record with its file, line and field; "
                    + "skip: drop bad records and count them by reason.")
    BadRecordPolicy onBadRecord;

    @Option(names = "--text", description = "Read FILE as a text corpus (txt, jsonl 'text', directory, aclImdb).")
    boolean text;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            DataStats stats = text
                    ? TextCorpus.read(file, onBadRecord).stats()
                    : new PreferenceReader(onBadRecord).read(file).stats();
            out.println(stats.summary());
            for (String example : stats.skipExamples()) {
                out.println("  skipped " + example);
            }
            out.flush();
            return 0;
        } catch (DataException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return BAD_DATA;
        }
    }

    static final class PolicyConverter implements CommandLine.ITypeConverter<BadRecordPolicy> {
        @Override
        public BadRecordPolicy convert(String value) {
            try {
                return BadRecordPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage().toLowerCase(Locale.ROOT)
                        .replace("--on-bad-record: ", ""));
            }
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new InspectDataCommand()).execute(args));
    }
}
