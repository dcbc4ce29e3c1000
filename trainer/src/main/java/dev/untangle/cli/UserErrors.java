package dev.untangle.cli;

import picocli.CommandLine;

/**
 * Turns failures into one clear line on stderr (no stack trace) unless --verbose was given: a user's
 * bad input is reported with file, line and field by the exception's own message.
 */
final class UserErrors implements CommandLine.IExecutionExceptionHandler {
    static volatile boolean verbose;

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cmd.getErr().println("untangle " + cmd.getCommandName() + ": " + message);
        if (verbose) {
            e.printStackTrace(cmd.getErr());
        } else {
            cmd.getErr().println("(run with --verbose for details)");
        }
        return 2;
    }
}
