package io.latentstream.topology;

/** Header names on dead letters (values are UTF-8 strings). */
public final class DeadLetterHeaders {
    private DeadLetterHeaders() {
    }

    /** Stable reason code, see {@link io.latentstream.codec.DeadLetterReason}. */
    public static final String REASON = "ls.reason";
    public static final String EXCEPTION_CLASS = "ls.exception.class";
    public static final String EXCEPTION_MESSAGE = "ls.exception.message";
    public static final String SOURCE_TOPIC = "ls.source.topic";
    public static final String SOURCE_PARTITION = "ls.source.partition";
    public static final String SOURCE_OFFSET = "ls.source.offset";
    /** "true" when the dead letter's value is the start of the original only (over dlq.max.record.bytes). */
    public static final String VALUE_TRUNCATED = "ls.value.truncated";
    /** With {@link #VALUE_TRUNCATED}: the original value's size in bytes. */
    public static final String VALUE_BYTES = "ls.value.bytes";
    /** On latent frames, scores and samples: the model version (also inside frames and score JSON). */
    public static final String MODEL_VERSION = "ls.model.version";
    /** On samples: "true" when the record was flagged anomalous (only a re-baseline trains on those). */
    public static final String ANOMALY = "ls.anomaly";
    /**
     * On anomaly records flagged only because a feature is stuck ({@code score.stuck.readings}, the
     * score under the threshold): "stuck". Absent when the score flagged the record.
     */
    public static final String FLAGGED_BY = "ls.flagged.by";
    /** On samples: the input format of the (original) value. */
    public static final String FORMAT = "ls.format";
}
