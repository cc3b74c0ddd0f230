package io.latentstream.model;

/** A model bundle was refused. {@link #reason()} is stable (metrics label, DLQ-like code). */
public final class BundleException extends Exception {
    /** Why a bundle was refused, in the order the reader checks. */
    public enum Reason {
        OVERSIZED, BAD_FORMAT_VERSION, BAD_MANIFEST, BAD_SHAPES, DIGEST_MISMATCH, NON_FINITE_WEIGHTS, CANARY_FAILED,
        INCOMPATIBLE, OLDER_VERSION
    }

    private final Reason reason;

    public BundleException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public BundleException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
