package io.latentstream.codec;

/**
 * A parsed input record, reused per stream task to avoid allocation on the hot path.
 * {@link #features} holds {@link #dim} values; {@link #context} is null when absent.
 */
public final class ParsedRecord {
    public final float[] features;
    public int dim;
    public String context;
    /** The record key as text ({@link RecordKeys#text}), null without one: decoded once, for the context and the score record. */
    public String key;
    /** Event time from the value ("ts" in JSON), or -1 when absent. */
    public long timestamp;
    /**
     * Features the record does not carry (absent, null or NaN), each NaN in {@link #features}; always 0
     * unless the parser allows missing features ({@code input.missing.max}).
     */
    public int missing;

    public ParsedRecord(int capacity) {
        features = new float[capacity];
    }

    void reset() {
        dim = 0;
        context = null;
        key = null;
        timestamp = -1;
        missing = 0;
    }
}
