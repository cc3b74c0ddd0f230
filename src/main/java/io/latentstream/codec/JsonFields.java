package io.latentstream.codec;

/**
 * The names of the json input's context and event-time fields. Producers name them as they like
 * ({@code {"device_id":"pump-7","time":"2026-11-27T03:00:00Z","temp":61.2}}); without these
 * names a conditional model would find no context in such records (and without a key dead-letter
 * them all as BAD_CONTEXT), and their event time would be lost.
 *
 * @param context field holding the entity id (default "context"; the record key when absent)
 * @param ts      field holding the event time, epoch milliseconds or ISO-8601 text (default "ts")
 */
public record JsonFields(String context, String ts) {
    public static final JsonFields DEFAULT = new JsonFields("context", "ts");

    public JsonFields {
        if (context == null || context.isBlank() || ts == null || ts.isBlank()) {
            throw new IllegalArgumentException("json field names must not be blank");
        }
        if (context.equals(ts) || context.equals("features") || ts.equals("features")) {
            throw new IllegalArgumentException("the context field, the ts field and \"features\" need three names");
        }
    }
}
