package io.latentstream.cli;

/** Process exit codes of every command. */
public final class ExitCodes {
    private ExitCodes() {
    }

    public static final int OK = 0;
    /** The command ran and failed (broker unreachable, training diverged, ...). */
    public static final int RUNTIME_FAILURE = 1;
    /** Bad command line or bad configuration: nothing was started. */
    public static final int USAGE = 2;
}
