package io.latentstream.config;

/** A configuration problem found at start: names the key, its source, the bad value and what is allowed. */
public final class ConfigError extends RuntimeException {
    private final String key;

    public ConfigError(String key, String message) {
        super(message);
        this.key = key;
    }

    /** The offending key, or null when the problem is not tied to one key (e.g. an unreadable file). */
    public String key() {
        return key;
    }
}
