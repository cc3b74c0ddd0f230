package io.latentstream.codec;

/** Stable reason codes of dead letters (header {@code ls.reason}); never renamed, only added to. */
public enum DeadLetterReason {
    /** The value is not valid JSON or not of the expected shape. */
    BAD_JSON,
    /** The value is not a line of comma-separated numbers (with an optional quoted context first). */
    BAD_CSV,
    /** An f32 value whose length is not a multiple of 4. */
    F32_ALIGN,
    /** The number of features differs from the model's. */
    DIM_MISMATCH,
    /** A feature is NaN or infinite. */
    NON_FINITE,
    /** The value is larger than input.max.record.bytes. */
    OVERSIZE,
    /** The value is null or empty. */
    EMPTY,
    /** The model is conditional and the record has no usable context (field or key). */
    BAD_CONTEXT,
    /** Caught by Kafka Streams' own handler: an unexpected failure while processing. */
    PROCESSING_ERROR
}
