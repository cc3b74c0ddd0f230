package io.latentstream.codec;

/** A record that cannot be scored, with its stable reason. Expected on bad input: no stack trace. */
public final class BadRecordException extends Exception {
    private final DeadLetterReason reason;

    public BadRecordException(DeadLetterReason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
