package io.latentstream.codec;

import io.latentstream.model.FastScorer;
import io.latentstream.topology.TestModels;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Seeded property checks (a small harness over JUnit, no property-testing library). */
class CodecPropertyTest {
    static final int CASES = 2000;

    @Test
    void frameRoundTripWithinTheStatedErrorForEveryEncoding() throws Exception {
        Random rnd = new Random(20261125);
        for (int c = 0; c < CASES; c++) {
            int dim = 1 + rnd.nextInt(c % 10 == 0 ? LatentFrame.MAX_DIM : 64);
            float[] v = new float[dim];
            double spread = Math.pow(10, rnd.nextInt(7) - 3);
            for (int i = 0; i < dim; i++) {
                v[i] = (float) (rnd.nextGaussian() * spread);
            }
            long version = rnd.nextLong() & Long.MAX_VALUE;
            for (LatentFrame.Encoding e : LatentFrame.Encoding.values()) {
                byte[] frame = LatentFrame.encode(version, v, dim, e);
                assertEquals(LatentFrame.size(e, dim), frame.length);
                LatentFrame.Decoded d = LatentFrame.decode(frame, 0);
                assertEquals(version, d.modelVersion());
                assertEquals(e, d.encoding());
                float max = 0;
                for (float f : v) {
                    max = Math.max(max, Math.abs(f));
                }
                for (int i = 0; i < dim; i++) {
                    double tol = switch (e) {
                        case F32 -> 0;
                        case F16 -> Math.max(Math.abs(v[i]) / 2048.0, 6.0e-8); // 2^-11 relative, subnormal floor 2^-24
                        case I8 -> max / 254.0 * 1.0001 + 1e-12;
                    };
                    assertEquals(v[i], d.values()[i], tol, "case " + c + " " + e + " dim " + dim + " i " + i);
                }
            }
        }
    }

    @Test
    void truncatedOrCorruptFramesAreRefusedNotCrashed() {
        byte[] frame = LatentFrame.encode(3, new float[] {1, 2, 3}, 3, LatentFrame.Encoding.I8);
        for (int len = 0; len < frame.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(frame, len);
            assertThrows(LatentFrame.FrameException.class, () -> LatentFrame.decode(cut, 0));
        }
        byte[] badMagic = frame.clone();
        badMagic[0] = 0;
        assertThrows(LatentFrame.FrameException.class, () -> LatentFrame.decode(badMagic, 0));
        byte[] badEncoding = frame.clone();
        badEncoding[3] = 9;
        assertThrows(LatentFrame.FrameException.class, () -> LatentFrame.decode(badEncoding, 0));
    }

    @Test
    void halfPrecisionConversionMatchesTheStandardOnEveryHalfValue() {
        for (int h = 0; h < 0x10000; h++) {
            float f = LatentFrame.fromHalf((short) h);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals((short) h, LatentFrame.toHalf(f), "half 0x" + Integer.toHexString(h) + " = " + f);
        }
    }

    /** The same vector as json, csv and f32 gives the same score. */
    @Test
    void sameVectorSameScoreInEveryFormat() throws Exception {
        FastScorer s = TestModels.goldenScorer();
        FastScorer.Scratch scratch = s.newScratch();
        RecordParser json = new RecordParser(InputFormat.JSON, 5, 1 << 20, true);
        RecordParser csv = new RecordParser(InputFormat.CSV, 5, 1 << 20, true);
        RecordParser f32 = new RecordParser(InputFormat.F32, 5, 1 << 20, true);
        Random rnd = new Random(7);
        String[] contexts = {"a", "b", "c", "zzz"};
        for (int c = 0; c < CASES; c++) {
            float[] v = new float[5];
            for (int i = 0; i < 5; i++) {
                v[i] = (float) (10 + rnd.nextGaussian() * Math.pow(10, rnd.nextInt(4) - 1));
            }
            String ctx = contexts[c % contexts.length];
            StringBuilder arr = new StringBuilder("[");
            StringBuilder line = new StringBuilder("\"" + ctx + "\"");
            ByteBuffer buf = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 5; i++) {
                // Float.toString round-trips a float exactly, so all three carry the same float32 values.
                arr.append(i > 0 ? "," : "").append(Float.toString(v[i]));
                line.append(',').append(Float.toString(v[i]));
                buf.putFloat(v[i]);
            }
            arr.append(']');
            byte[] key = ctx.getBytes(StandardCharsets.UTF_8);
            double a = score(s, scratch, json.parse(null, ("{\"context\":\"" + ctx + "\",\"features\":" + arr + "}").getBytes(StandardCharsets.UTF_8)));
            double b = score(s, scratch, json.parse(key, arr.toString().getBytes(StandardCharsets.UTF_8)));
            double d = score(s, scratch, csv.parse(null, line.toString().getBytes(StandardCharsets.UTF_8)));
            double e = score(s, scratch, f32.parse(key, buf.array()));
            assertEquals(a, b, 0, "case " + c);
            assertEquals(a, d, 0, "case " + c);
            assertEquals(a, e, 0, "case " + c);
        }
    }

    /** The parsers use FastDoubleParser; every spelling of a number must give exactly Float.parseFloat's float. */
    @Test
    void numbersParseExactlyAsFloatParseFloatDoes() throws Exception {
        RecordParser json = new RecordParser(InputFormat.JSON, 3, 1 << 20, false);
        RecordParser csv = new RecordParser(InputFormat.CSV, 3, 1 << 20, false);
        Random rnd = new Random(11);
        for (int c = 0; c < CASES * 5; c++) {
            String[] cells = new String[3];
            for (int i = 0; i < 3; i++) {
                double x = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(20) - 10);
                cells[i] = switch (rnd.nextInt(5)) {
                    case 0 -> Float.toString((float) x);
                    case 1 -> Double.toString(x); // more digits than a float holds: rounding must match
                    case 2 -> String.format(Locale.ROOT, "%.4f", x);
                    case 3 -> String.format(Locale.ROOT, "%.9e", x);
                    default -> Integer.toString((int) (x * 1000) % 100000);
                };
            }
            String list = String.join(",", cells);
            ParsedRecord j = json.parse(null, ("[" + list + "]").getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                assertEquals(Float.floatToIntBits(Float.parseFloat(cells[i])), Float.floatToIntBits(j.features[i]), "json " + list);
            }
            // The same numbers as JSON strings ("61.2", as Debezium writes decimals in string mode) parse alike.
            ParsedRecord q = json.parse(null, ("[\"" + String.join("\",\"", cells) + "\"]").getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                assertEquals(Float.floatToIntBits(Float.parseFloat(cells[i])), Float.floatToIntBits(q.features[i]), "json text " + list);
            }
            ParsedRecord v = csv.parse(null, list.getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                assertEquals(Float.floatToIntBits(Float.parseFloat(cells[i])), Float.floatToIntBits(v.features[i]), "csv " + list);
            }
        }
        for (String bad : List.of("NaN", "Infinity", "-Infinity", "1e39")) {
            assertEquals(DeadLetterReason.NON_FINITE, assertThrows(BadRecordException.class,
                    () -> csv.parse(null, ("1," + bad + ",2").getBytes(StandardCharsets.UTF_8))).reason(), bad);
        }
        assertEquals(DeadLetterReason.BAD_CSV, assertThrows(BadRecordException.class,
                () -> csv.parse(null, "1,2x,3".getBytes(StandardCharsets.UTF_8))).reason());
        // Only text that is itself a JSON number: what Float.parseFloat would also take is refused.
        for (String bad : List.of("", " 1", "1 ", "1f", "0x1p3", "+1", "01", "1.", ".5", "1e", "N/A", "12,5")) {
            BadRecordException e = assertThrows(BadRecordException.class,
                    () -> json.parse(null, ("[1,\"" + bad + "\",2]").getBytes(StandardCharsets.UTF_8)), bad);
            assertEquals(DeadLetterReason.BAD_JSON, e.reason(), bad);
        }
        assertEquals(DeadLetterReason.NON_FINITE, assertThrows(BadRecordException.class,
                () -> json.parse(null, "[1,\"1e39\",2]".getBytes(StandardCharsets.UTF_8))).reason());
        assertEquals(DeadLetterReason.NON_FINITE, assertThrows(BadRecordException.class,
                () -> json.parse(null, "[1,\"NaN\",2]".getBytes(StandardCharsets.UTF_8))).reason());
    }

    private static double score(FastScorer s, FastScorer.Scratch scratch, ParsedRecord r) {
        return s.score(r.features, s.contextSlot(r.context), scratch);
    }

    @Test
    void parsersNeverThrowAnythingButBadRecordOnRandomBytes() {
        Random rnd = new Random(99);
        RecordParser[] parsers = {new RecordParser(InputFormat.JSON, 5, 4096, true),
            new RecordParser(InputFormat.CSV, 5, 4096, false), new RecordParser(InputFormat.F32, 5, 4096, false),
            new RecordParser(InputFormat.JSON, List.of("f", "e", "a", "t", "u"), 4096, false)}; // named fields too
        String alphabet = "[]{},\":0123456789.eE-+ NaInfity\"featurescontxt";
        for (int c = 0; c < CASES * 5; c++) {
            byte[] v;
            if (c % 2 == 0) {
                v = new byte[rnd.nextInt(64)];
                rnd.nextBytes(v);
            } else {
                StringBuilder sb = new StringBuilder();
                int n = rnd.nextInt(60);
                for (int i = 0; i < n; i++) {
                    sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
                }
                v = sb.toString().getBytes(StandardCharsets.UTF_8);
            }
            for (RecordParser p : parsers) {
                try {
                    p.parse(c % 3 == 0 ? null : new byte[] {'k'}, v);
                } catch (BadRecordException expected) {
                    // fine: a stable reason
                }
            }
        }
    }

    @Test
    void csvHandlesQuotesAndSpaces() throws Exception {
        RecordParser csv = new RecordParser(InputFormat.CSV, 3, 1024, true);
        ParsedRecord r = csv.parse(null, "\"pump \"\"7\"\"\", 1.5 ,2,  3\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("pump \"7\"", r.context);
        assertEquals(1.5f, r.features[0]);
        assertEquals(3f, r.features[2]);
        assertEquals(DeadLetterReason.BAD_CSV, assertThrows(BadRecordException.class,
                () -> csv.parse(null, "\"open,1,2,3".getBytes(StandardCharsets.UTF_8))).reason());
        assertEquals(DeadLetterReason.DIM_MISMATCH, assertThrows(BadRecordException.class,
                () -> csv.parse("k".getBytes(StandardCharsets.UTF_8), String.format(Locale.ROOT, "1,2,3,4").getBytes(StandardCharsets.UTF_8))).reason());
    }
}
