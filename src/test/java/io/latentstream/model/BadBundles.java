package io.latentstream.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Bundles of every refusal class, built from a valid one, for lifecycle and reliability tests. */
public final class BadBundles {
    private BadBundles() {
    }

    /** A copy of {@code b} as another version (slightly changed weights so its scores differ). */
    public static ModelBundle asVersion(ModelBundle b, long version) {
        float[] w = b.weights();
        for (int i = 0; i < w.length; i += 7) {
            w[i] *= 1.01f;
        }
        return new ModelBundle(b.manifest().withIdentity(version, null, Instant.now().toString()), w);
    }

    static byte[] rebuild(String manifestJson, float[] weights, int formatVersion) {
        byte[] m = manifestJson.getBytes(StandardCharsets.UTF_8);
        int total = BundleCodec.HEADER + m.length + 4 * weights.length + BundleCodec.DIGEST;
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(BundleCodec.MAGIC).putShort((short) formatVersion).putShort((short) 0).putInt(m.length).putInt(weights.length).put(m);
        for (float f : weights) {
            buf.putFloat(f);
        }
        buf.put(BundleCodec.sha256(buf.array(), 0, total - BundleCodec.DIGEST));
        return buf.array();
    }

    static String json(Manifest m) {
        try {
            return new String(BundleCodec.manifestBytes(m), StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One bad bundle: its class, the version it claims, its bytes, and the reason the watcher must give. */
    public record Bad(String name, long version, byte[] bytes, BundleException.Reason reason) {
    }

    /**
     * Every bad class, as versions starting at {@code firstVersion} (each newer than the running one,
     * so only verification stands between it and the scoring path).
     *
     * @param oversizedBytes size of the oversized one (more than the watcher's limit)
     */
    public static List<Bad> all(ModelBundle good, long firstVersion, int oversizedBytes) {
        List<Bad> out = new ArrayList<>();
        long v = firstVersion;
        ModelBundle base = asVersion(good, v);
        byte[] digest = BundleCodec.write(base);
        digest[digest.length - BundleCodec.DIGEST - 5] ^= 0x10;
        out.add(new Bad("digest mismatch", v++, digest, BundleException.Reason.DIGEST_MISMATCH));

        ModelBundle t = asVersion(good, v);
        out.add(new Bad("truncated weights", v++, rebuild(json(t.manifest()), Arrays.copyOf(t.weights(), t.weights().length - 3), 1),
                BundleException.Reason.BAD_SHAPES));

        ModelBundle s = asVersion(good, v);
        String wider = json(s.manifest()).replaceFirst("\"latentDim\":(\\d+)", "\"latentDim\":9");
        out.add(new Bad("wrong shapes", v++, rebuild(wider, s.weights(), 1), BundleException.Reason.BAD_SHAPES));

        out.add(new Bad("wrong feature count", v, BundleCodec.write(renamed(good, v, true, false)), BundleException.Reason.INCOMPATIBLE));
        v++;
        out.add(new Bad("wrong context vocabulary", v, BundleCodec.write(renamed(good, v, false, true)), BundleException.Reason.INCOMPATIBLE));
        v++;

        ModelBundle n = asVersion(good, v);
        float[] nw = n.weights();
        nw[1] = Float.NaN;
        out.add(new Bad("NaN weight", v++, rebuild(json(n.manifest()), nw, 1), BundleException.Reason.NON_FINITE_WEIGHTS));
        ModelBundle inf = asVersion(good, v);
        float[] iw = inf.weights();
        iw[2] = Float.POSITIVE_INFINITY;
        out.add(new Bad("Inf weight", v++, rebuild(json(inf.manifest()), iw, 1), BundleException.Reason.NON_FINITE_WEIGHTS));

        byte[] big = new byte[oversizedBytes];
        System.arraycopy(BundleCodec.write(asVersion(good, v)), 0, big, 0, 16);
        out.add(new Bad("oversized", v++, big, BundleException.Reason.OVERSIZED));

        ModelBundle bomb = asVersion(good, v);
        String nested = json(bomb.manifest()).replaceFirst("\\{", "{\"libraries\":" + "[".repeat(20_000) + "]".repeat(20_000) + ",");
        out.add(new Bad("manifest nesting bomb", v++, rebuild(nested, bomb.weights(), 1), BundleException.Reason.BAD_MANIFEST));

        ModelBundle fv = asVersion(good, v);
        out.add(new Bad("unknown format version", v++, rebuild(json(fv.manifest()), fv.weights(), 7), BundleException.Reason.BAD_FORMAT_VERSION));
        return out;
    }

    /** A valid bundle that does not fit the stream: other features, or a vocabulary that drops a context. */
    static ModelBundle renamed(ModelBundle good, long version, boolean dropFeature, boolean dropContext) {
        Manifest m = good.manifest();
        if (dropContext) {
            List<String> vocab = new ArrayList<>(m.context().vocabulary());
            vocab.set(0, "not-" + vocab.get(0)); // same size, so same shapes; "a" would fall to the unknown slot
            Manifest changed = new Manifest(m.name(), version, null, Instant.now().toString(), m.features(),
                    new Manifest.ContextSpec(m.context().column(), vocab), m.architecture(), m.normalization(), m.scoring(),
                    m.training(), m.validation(), m.libraries());
            return new ModelBundle(changed, good.weights());
        }
        // One feature fewer: retrain-free way to a valid bundle of another width.
        Architecture a = good.architecture();
        int d = a.inputDim() - 1;
        List<String> features = new ArrayList<>(m.features().subList(0, d));
        Architecture na = new Architecture(d, a.contextWidth(), a.encoderHidden(), a.latentDim(), a.decoderHidden(), a.leak(), a.inputClip());
        float[] w = new float[(int) na.weightCount()];
        Arrays.fill(w, 0.01f);
        float[][] mean = new float[m.normalization().mean().length][d];
        float[][] scale = new float[mean.length][d];
        for (float[] r : scale) {
            Arrays.fill(r, 1f);
        }
        Map<String, Double> val = new LinkedHashMap<>(m.validation());
        Manifest changed = new Manifest(m.name(), version, null, Instant.now().toString(), features, m.context(),
                m.architecture(), new Manifest.NormalizationSpec(m.normalization().mode(), mean, scale),
                new Manifest.ScoringSpec(m.scoring().threshold(), m.scoring().lowThreshold(), m.scoring().quantile(),
                        m.scoring().direction(), m.scoring().sensitivity(), null), m.training(), val, m.libraries());
        return new ModelBundle(changed, w);
    }
}
