package io.latentstream.cli;

/** A problem with what the user asked for (exit code 2), detected after option parsing. */
public final class UsageError extends RuntimeException {
    public UsageError(String message) {
        super(message);
    }
}
