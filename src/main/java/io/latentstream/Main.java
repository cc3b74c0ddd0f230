package io.latentstream;

import io.latentstream.cli.LatentstreamCommand;

/** CLI entry point: only wires. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = LatentstreamCommand.newCommandLine().execute(args);
        System.exit(code);
    }
}
