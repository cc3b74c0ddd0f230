/**
 * Codec: bytes to records and back: the json / csv / f32 input parsers with stable dead-letter
 * reasons, the latent frame format, and score records.
 */
package io.latentstream.codec;
