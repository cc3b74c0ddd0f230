package io.latentstream.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * The latent frame: a small binary record for one latent vector, decodable in any language from
 * this layout (all little-endian; see also README "Latent frame format" and tools/latent_frame.py):
 *
 * <pre>
 * offset size field
 *  0     2    magic 0x4C 0x46 ("LF")
 *  2     1    format version = 1
 *  3     1    encoding: 0 = f32, 1 = f16 (IEEE 754 half), 2 = i8 (per-frame scale)
 *  4     8    model version (int64) that produced the latent
 * 12     2    dimension k (uint16, 1..4096)
 * 14     4    scale (float32), only for i8: value = q * scale
 * ..          k values: f32 4 bytes, f16 2 bytes, i8 1 byte (signed, -127..127)
 * </pre>
 *
 * Error bounds: f32 exact; f16 relative 2^-11 (magnitudes above 65504 saturate to ±65504);
 * i8 absolute scale/2 = max|v|/254.
 */
public final class LatentFrame {
    public static final byte MAGIC0 = 0x4C;
    public static final byte MAGIC1 = 0x46;
    public static final int VERSION = 1;
    public static final int MAX_DIM = 4096;

    /** Value encoding. */
    public enum Encoding {
        F32(0, 4), F16(1, 2), I8(2, 1);

        final int code;
        final int width;

        Encoding(int code, int width) {
            this.code = code;
            this.width = width;
        }

        public static Encoding parse(String s) {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        }

        static Encoding of(int code) throws FrameException {
            for (Encoding e : values()) {
                if (e.code == code) {
                    return e;
                }
            }
            throw new FrameException("unknown encoding " + code);
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A frame that cannot be decoded. */
    public static final class FrameException extends Exception {
        public FrameException(String message) {
            super(message, null, false, false);
        }
    }

    /** A decoded frame. */
    public record Decoded(long modelVersion, Encoding encoding, float[] values, int length) {
    }

    private LatentFrame() {
    }

    public static int size(Encoding e, int dim) {
        return 14 + (e == Encoding.I8 ? 4 : 0) + dim * e.width;
    }

    public static byte[] encode(long modelVersion, float[] values, int dim, Encoding e) {
        if (dim < 1 || dim > MAX_DIM) {
            throw new IllegalArgumentException("dimension " + dim + " not in 1.." + MAX_DIM);
        }
        ByteBuffer b = ByteBuffer.allocate(size(e, dim)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC0).put(MAGIC1).put((byte) VERSION).put((byte) e.code).putLong(modelVersion).putShort((short) dim);
        switch (e) {
            case F32 -> {
                for (int i = 0; i < dim; i++) {
                    b.putFloat(values[i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < dim; i++) {
                    b.putShort(toHalf(Math.max(-65504f, Math.min(65504f, values[i]))));
                }
            }
            case I8 -> {
                float max = 0;
                for (int i = 0; i < dim; i++) {
                    max = Math.max(max, Math.abs(values[i]));
                }
                float scale = max / 127f;
                b.putFloat(scale);
                for (int i = 0; i < dim; i++) {
                    int q = scale == 0 ? 0 : Math.round(values[i] / scale);
                    b.put((byte) Math.max(-127, Math.min(127, q)));
                }
            }
            default -> throw new IllegalStateException();
        }
        return b.array();
    }

    /** Decodes the frame at the start of {@code bytes} (at {@code offset}); never throws anything else on any input. */
    public static Decoded decode(byte[] bytes, int offset) throws FrameException {
        if (bytes == null || offset < 0 || bytes.length - offset < 14) {
            throw new FrameException("frame shorter than its 14-byte header");
        }
        if (bytes[offset] != MAGIC0 || bytes[offset + 1] != MAGIC1) {
            throw new FrameException("not a latent frame (bad magic)");
        }
        int version = bytes[offset + 2] & 0xFF;
        if (version != VERSION) {
            throw new FrameException("frame format version " + version + " is not supported (this build reads " + VERSION + ")");
        }
        Encoding e = Encoding.of(bytes[offset + 3] & 0xFF);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long model = b.getLong(offset + 4);
        int dim = Short.toUnsignedInt(b.getShort(offset + 12));
        if (dim < 1 || dim > MAX_DIM) {
            throw new FrameException("dimension " + dim + " not in 1.." + MAX_DIM);
        }
        int need = size(e, dim);
        if (bytes.length - offset < need) {
            throw new FrameException("frame needs " + need + " bytes, only " + (bytes.length - offset) + " present");
        }
        float[] v = new float[dim];
        int p = offset + 14;
        switch (e) {
            case F32 -> {
                for (int i = 0; i < dim; i++) {
                    v[i] = b.getFloat(p + 4 * i);
                }
            }
            case F16 -> {
                for (int i = 0; i < dim; i++) {
                    v[i] = fromHalf(b.getShort(p + 2 * i));
                }
            }
            case I8 -> {
                float scale = b.getFloat(p);
                if (!Float.isFinite(scale) || scale < 0) {
                    throw new FrameException("i8 scale " + scale + " is not a finite non-negative number");
                }
                for (int i = 0; i < dim; i++) {
                    v[i] = bytes[p + 4 + i] * scale;
                }
            }
            default -> throw new IllegalStateException();
        }
        for (int i = 0; i < dim; i++) {
            if (!Float.isFinite(v[i])) {
                throw new FrameException("value " + i + " is not finite");
            }
        }
        return new Decoded(model, e, v, need);
    }

    /** float32 → IEEE 754 binary16, round to nearest even (Java 17 has no Float.floatToFloat16). */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00); // overflow -> infinity
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // underflow -> signed zero
            }
            mant |= 0x800000;
            int shift = 14 - e;
            int half = mant >> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is the correct rounding
        }
        return (short) (sign | half);
    }

    static float fromHalf(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant / 1024f / 16384f; // subnormal: mant * 2^-24
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
