package io.latentstream.model;

import java.util.Locale;

/** Which scores are anomalous: above the upper threshold, below the lower one, or either. */
public enum Direction {
    ABOVE, BELOW, BOTH;

    public static Direction parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("direction must be above, below or both, got '" + s + "'");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
