package io.latentstream.model;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every refusal class of the bundle reader, in the order it checks. */
class BundleCodecTest {
    static ModelBundle bundle;
    static byte[] bytes;

    @BeforeAll
    static void train() {
        double[][] x = Synthetic.lowRank(200, 5, 2, 7);
        String[] ctx = Synthetic.contexts(x, 8);
        bundle = Synthetic.train(new TrainingData(Synthetic.names(5), x, ctx, "entity", "test"), Synthetic.fast().withEpochs(3));
        bytes = BundleCodec.write(bundle);
    }

    @Test
    void roundTripsExactly(@TempDir Path dir) throws Exception {
        ModelBundle back = BundleCodec.read(bytes, BundleCodec.DEFAULT_MAX_BYTES);
        assertArrayEquals(bundle.weights(), back.weights());
        assertEquals(bundle.manifest().version(), back.manifest().version());
        assertEquals(bundle.manifest().context(), back.manifest().context());
        assertArrayEquals(BundleCodec.write(back), bytes, "write(read(b)) must give the same bytes");
        Path f = dir.resolve("m.lsb");
        BundleCodec.write(bundle, f);
        assertArrayEquals(bytes, Files.readAllBytes(f));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file may be left next to the bundle");
        }
    }

    private static BundleException.Reason refusal(byte[] b) {
        return refusal(b, BundleCodec.DEFAULT_MAX_BYTES);
    }

    private static BundleException.Reason refusal(byte[] b, long max) {
        return assertThrows(BundleException.class, () -> BundleCodec.read(b, max)).reason();
    }

    @Test
    void oversized() {
        assertEquals(BundleException.Reason.OVERSIZED, refusal(bytes, bytes.length - 1));
    }

    @Test
    void unknownFormatVersionAndBadMagic() {
        byte[] b = bytes.clone();
        b[4] = 2;
        BundleException e = assertThrows(BundleException.class, () -> BundleCodec.read(b, BundleCodec.DEFAULT_MAX_BYTES));
        assertEquals(BundleException.Reason.BAD_FORMAT_VERSION, e.reason());
        assertTrue(e.getMessage().contains("format version 2"), e.getMessage());
        byte[] c = bytes.clone();
        c[0] = 'X';
        assertEquals(BundleException.Reason.BAD_FORMAT_VERSION, refusal(c));
        assertEquals(BundleException.Reason.BAD_FORMAT_VERSION, refusal(new byte[10]));
    }

    /** Rebuilds a bundle around another manifest text (valid digest), to reach the manifest checks. */
    static byte[] withManifest(String json, float[] weights) {
        byte[] m = json.getBytes(StandardCharsets.UTF_8);
        int total = BundleCodec.HEADER + m.length + 4 * weights.length + BundleCodec.DIGEST;
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(BundleCodec.MAGIC).putShort((short) 1).putShort((short) 0).putInt(m.length).putInt(weights.length).put(m);
        for (float f : weights) {
            buf.putFloat(f);
        }
        buf.put(BundleCodec.sha256(buf.array(), 0, total - BundleCodec.DIGEST));
        return buf.array();
    }

    static String manifestJson() throws Exception {
        return new String(BundleCodec.manifestBytes(bundle.manifest()), StandardCharsets.UTF_8);
    }

    @Test
    void manifestNotJsonUnknownFieldOrNestingBomb() throws Exception {
        assertEquals(BundleException.Reason.BAD_MANIFEST, refusal(withManifest("not json", bundle.weights())));
        String json = manifestJson();
        String unknown = json.replaceFirst("\\{", "{\"shell\":\"rm -rf /\",");
        assertEquals(BundleException.Reason.BAD_MANIFEST, refusal(withManifest(unknown, bundle.weights())));
        String bomb = "[".repeat(100_000) + "]".repeat(100_000);
        String nested = json.replaceFirst("\\{", "{\"libraries\":" + bomb + ",");
        long t0 = System.nanoTime();
        assertEquals(BundleException.Reason.BAD_MANIFEST, refusal(withManifest(nested, bundle.weights())));
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "a nesting bomb must be refused quickly");
        String badVersion = json.replaceFirst("\"version\":1", "\"version\":0");
        assertEquals(BundleException.Reason.BAD_MANIFEST, refusal(withManifest(badVersion, bundle.weights())));
        String badDirection = json.replace("\"direction\":\"above\"", "\"direction\":\"sideways\"");
        assertEquals(BundleException.Reason.BAD_MANIFEST, refusal(withManifest(badDirection, bundle.weights())));
        String twice = json.replace("\"f1\"", "\"f0\"");
        assertTrue(!twice.equals(json));
        assertEquals(BundleException.Reason.BAD_MANIFEST, refusal(withManifest(twice, bundle.weights())));
        String blank = json.replace("\"f1\"", "\" \"");
        assertEquals(BundleException.Reason.BAD_MANIFEST, refusal(withManifest(blank, bundle.weights())));
    }

    @Test
    void wrongShapesAndTruncatedWeights() throws Exception {
        float[] w = bundle.weights();
        assertEquals(BundleException.Reason.BAD_SHAPES, refusal(withManifest(manifestJson(), Arrays.copyOf(w, w.length - 1))));
        String wider = manifestJson().replaceFirst("\"latentDim\":(\\d+)", "\"latentDim\":7");
        assertEquals(BundleException.Reason.BAD_SHAPES, refusal(withManifest(wider, w)));
        byte[] truncated = Arrays.copyOf(bytes, bytes.length - 40);
        assertEquals(BundleException.Reason.BAD_SHAPES, refusal(truncated));
    }

    @Test
    void digestMismatch() {
        byte[] b = bytes.clone();
        b[b.length - BundleCodec.DIGEST - 3] ^= 0x01; // one bit of one weight
        assertEquals(BundleException.Reason.DIGEST_MISMATCH, refusal(b));
    }

    @Test
    void nanAndInfinityWeights() throws Exception {
        float[] w = bundle.weights();
        w[3] = Float.NaN;
        assertEquals(BundleException.Reason.NON_FINITE_WEIGHTS, refusal(withManifest(manifestJson(), w)));
        w[3] = Float.POSITIVE_INFINITY;
        assertEquals(BundleException.Reason.NON_FINITE_WEIGHTS, refusal(withManifest(manifestJson(), w)));
    }

    @Test
    void canaryInferenceCatchesOverflow() throws Exception {
        float[] w = bundle.weights();
        Arrays.fill(w, 3e38f); // finite, but the forward pass overflows
        assertEquals(BundleException.Reason.CANARY_FAILED, refusal(withManifest(manifestJson(), w)));
    }

    @Test
    void readFromFileChecksSizeFirst(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.lsb");
        Files.write(f, bytes);
        assertEquals(bundle.version(), BundleCodec.read(f).version());
    }
}
