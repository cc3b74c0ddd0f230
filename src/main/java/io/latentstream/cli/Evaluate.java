package io.latentstream.cli;

/** Constants shared by train and evaluate. */
final class Evaluate {
    private Evaluate() {
    }

    /** Seed of protocol A's random split (the protocol's own seed is 42). */
    static final long SPLIT_SEED = 42;
}
