package io.latentstream.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hot-path scorer: a plain-Java forward pass over a bundle's weights. For one record it
 * computes the standardized input, the latent μ(x), the reconstruction decode(μ(x)), the
 * per-feature contributions, the expected values in original units and the score.
 *
 * <p>Thread-safe by construction: weights are immutable and every thread passes its own
 * {@link Scratch} (from {@link #newScratch()}); the steady path allocates nothing. Proven equal to
 * the DL4J graph that trained the weights by {@code FastScorerEquivalenceTest}.
 */
public final class FastScorer {
    private final ModelBundle bundle;
    private final Architecture arch;
    private final Normalization norm;
    private final int d;
    private final int k;
    private final int contextWidth;
    private final float leak;
    private final float clip;
    private final float[][] w;
    private final float[][] b;
    private final int[] in;
    private final int[] out;
    private final int encLayers;
    private final int muLayer;
    private final int decFirst;
    private final int layerCount;
    private final float[] featureWeights;
    private final double upper;
    private final double lower;
    private final Direction direction;
    private final Map<String, Integer> slots;
    private final int maxWidth;

    public FastScorer(ModelBundle bundle) {
        this.bundle = bundle;
        this.arch = bundle.architecture();
        this.norm = bundle.normalization();
        this.d = arch.inputDim();
        this.k = arch.latentDim();
        this.contextWidth = arch.contextWidth();
        this.leak = (float) arch.leak();
        this.clip = (float) arch.inputClip();
        List<Architecture.Layer> layers = arch.layers();
        float[] flat = bundle.weightsUnsafe();
        if (flat.length != arch.weightCount()) {
            throw new IllegalArgumentException("weights have " + flat.length + " floats, architecture needs " + arch.weightCount());
        }
        layerCount = layers.size();
        w = new float[layerCount][];
        b = new float[layerCount][];
        in = new int[layerCount];
        out = new int[layerCount];
        int max = Math.max(d + contextWidth, k + contextWidth);
        for (int i = 0; i < layerCount; i++) {
            Architecture.Layer l = layers.get(i);
            in[i] = l.in();
            out[i] = l.out();
            w[i] = java.util.Arrays.copyOfRange(flat, l.weightOffset(), l.weightOffset() + l.in() * l.out());
            b[i] = java.util.Arrays.copyOfRange(flat, l.biasOffset(), l.biasOffset() + l.out());
            max = Math.max(max, l.out());
        }
        maxWidth = max;
        encLayers = arch.encoderHidden().length;
        muLayer = encLayers;
        decFirst = encLayers + 2;
        Manifest.ScoringSpec s = bundle.manifest().scoring();
        featureWeights = s.featureWeights() == null ? ones(d) : s.featureWeights().clone();
        if (featureWeights.length != d) {
            throw new IllegalArgumentException("featureWeights has " + featureWeights.length + " entries, expected " + d);
        }
        direction = Direction.parse(s.direction());
        upper = s.threshold() / s.sensitivity();
        lower = s.lowThreshold() * s.sensitivity();
        slots = new HashMap<>();
        if (bundle.conditional()) {
            List<String> vocab = bundle.manifest().context().vocabulary();
            for (int i = 0; i < vocab.size(); i++) {
                slots.put(vocab.get(i), i + 1);
            }
        }
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public long version() {
        return bundle.version();
    }

    public int inputDim() {
        return d;
    }

    public int latentDim() {
        return k;
    }

    public boolean conditional() {
        return contextWidth > 0;
    }

    /** Context slot of a context value: 1.. for known values, 0 (unknown slot) otherwise. */
    public int contextSlot(String context) {
        if (contextWidth == 0 || context == null) {
            return 0;
        }
        Integer s = slots.get(context);
        return s == null ? 0 : s;
    }

    /** Is this score anomalous under the bundle's direction, thresholds and sensitivity? */
    public boolean isAnomaly(double score) {
        return switch (direction) {
            case ABOVE -> score > upper;
            case BELOW -> score < lower;
            case BOTH -> score > upper || score < lower;
        };
    }

    /** The effective upper threshold (threshold / sensitivity). */
    public double threshold() {
        return upper;
    }

    /** Per-thread working memory and the results of the last {@link #score} call. */
    public final class Scratch {
        /** μ(x), length latentDim. */
        public final float[] latent = new float[k];
        /** decode(μ(x)) in original units, length inputDim. */
        public final float[] expected = new float[d];
        /** Per-feature contribution to the score (they sum to score * inputDim). */
        public final float[] contributions = new float[d];
        final float[] standardized = new float[d];
        final float[] bufA = new float[maxWidth];
        final float[] bufB = new float[maxWidth];

        private Scratch() {
        }
    }

    public Scratch newScratch() {
        return new Scratch();
    }

    /**
     * Scores one record.
     *
     * @param x    raw feature values (length inputDim, finite)
     * @param slot context slot from {@link #contextSlot} (0 for a plain VAE)
     * @return the score (mean weighted squared standardized residual); details are in {@code s}
     */
    public double score(float[] x, int slot, Scratch s) {
        int row = norm.row(slot);
        float[] z = s.standardized;
        float[] a = s.bufA;
        for (int j = 0; j < d; j++) {
            float v = (x[j] - norm.mean(row, j)) / norm.scale(row, j);
            z[j] = v;
            a[j] = v > clip ? clip : (v < -clip ? -clip : v);
        }
        // Encoder: the context one-hot is folded in as one weight row (no concatenation).
        float[] cur = a;
        float[] nxt = s.bufB;
        for (int l = 0; l < encLayers; l++) {
            dense(l, cur, contextWidth > 0 && l == 0 ? d + slot : -1, nxt, true);
            float[] t = cur;
            cur = nxt;
            nxt = t;
        }
        dense(muLayer, cur, encLayers == 0 && contextWidth > 0 ? d + slot : -1, s.latent, false);
        // Decoder from μ.
        System.arraycopy(s.latent, 0, cur, 0, k);
        int last = layerCount - 1;
        for (int l = decFirst; l < last; l++) {
            dense(l, cur, contextWidth > 0 && l == decFirst ? k + slot : -1, nxt, true);
            float[] t = cur;
            cur = nxt;
            nxt = t;
        }
        float[] xhat = nxt;
        dense(last, cur, decFirst == last && contextWidth > 0 ? k + slot : -1, xhat, false);
        double sum = 0;
        for (int j = 0; j < d; j++) {
            float r = z[j] - xhat[j];
            float c = featureWeights[j] * r * r;
            s.contributions[j] = c;
            sum += c;
            s.expected[j] = xhat[j] * norm.scale(row, j) + norm.mean(row, j);
        }
        return sum / d;
    }

    /**
     * Generation: decodes a latent vector to a record in original units.
     *
     * @param z    latent vector (length latentDim), e.g. drawn from N(0, I)
     * @param slot context slot (0 = unknown / plain VAE)
     * @param out  receives inputDim values
     */
    public void decode(float[] z, int slot, float[] out, Scratch s) {
        float[] cur = s.bufA;
        float[] nxt = s.bufB;
        System.arraycopy(z, 0, cur, 0, k);
        int last = layerCount - 1;
        for (int l = decFirst; l < last; l++) {
            dense(l, cur, contextWidth > 0 && l == decFirst ? k + slot : -1, nxt, true);
            float[] t = cur;
            cur = nxt;
            nxt = t;
        }
        dense(last, cur, decFirst == last && contextWidth > 0 ? k + slot : -1, nxt, false);
        int row = norm.row(slot);
        for (int j = 0; j < d; j++) {
            out[j] = nxt[j] * norm.scale(row, j) + norm.mean(row, j);
        }
    }

    /** out = act(in · W + b (+ the W row of a one-hot input at index oneHotRow)). */
    private void dense(int l, float[] input, int oneHotRow, float[] output, boolean activate) {
        int o = out[l];
        int n = in[l] - (l == 0 || l == decFirst ? contextWidth : 0);
        float[] wl = w[l];
        System.arraycopy(b[l], 0, output, 0, o);
        if (oneHotRow >= 0) {
            int base = oneHotRow * o;
            for (int j = 0; j < o; j++) {
                output[j] += wl[base + j];
            }
        }
        for (int i = 0; i < n; i++) {
            float v = input[i];
            int base = i * o;
            for (int j = 0; j < o; j++) {
                output[j] += v * wl[base + j];
            }
        }
        if (activate) {
            for (int j = 0; j < o; j++) {
                float v = output[j];
                output[j] = v > 0 ? v : leak * v;
            }
        }
    }
}
