package io.latentstream.codec;

import java.util.Locale;

/** Value format of input records. */
public enum InputFormat {
    /** An array of numbers, or an object with "features" and optional "context" and "ts". */
    JSON,
    /** One line of numbers; optionally the context as a first double-quoted field. */
    CSV,
    /** Little-endian float32 array: the fast path. */
    F32;

    public static InputFormat parse(String s) {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
