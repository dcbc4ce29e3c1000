package dev.untangle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the untangle CLI: one small class per subcommand (STYLE.md). */
@Command(name = "untangle", mixinStandardHelpOptions = true, version = "untangle 0.1.0",
        description = "Preference training that watches gradient entanglement between chosen and rejected responses.",
        subcommands = {
                RunCommand.class,
                SftCommand.class,
                TrainCommand.class,
                MonitorCommand.class,
                ReplayCommand.class,
                ReportCommand.class,
                ScoreCommand.class,
                TokenmapCommand.class,
                ExperimentCommand.class,
                BenchCommand.class,
                dev.untangle.data.InspectDataCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs one command line and returns its exit status (tests call this in-process; main exits with it). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new UserErrors());
        return cli.execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
