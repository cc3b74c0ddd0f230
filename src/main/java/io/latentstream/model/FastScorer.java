package io.latentstream.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The hot-path scorer: a plain-Java forward pass over a bundle's weights. For one record it
 * computes the standardized input, the latent μ(x), the reconstruction decode(μ(x)), the
 * per-feature contributions, the expected values in original units and the score.
 *
 * <p>Batches of records go through {@link #scoreBatch}, which runs each layer as one small matrix
 * product over up to {@value #TILE} rows at a time (the register-blocked case of the kernel).
 *
 * <p>Thread-safe by construction: weights are immutable and every thread passes its own
 * {@link Scratch} / {@link Batch}; the steady path allocates nothing. The arithmetic is a
 * {@link DenseKernel}: vectorized when the JVM has jdk.incubator.vector, plain loops otherwise.
 * Layers are stored with their columns zero-padded to the kernel's vector width, so padded units
 * are exactly 0 and never read. Proven equal to the DL4J graph that trained the weights by
 * {@code FastScorerEquivalenceTest}, with either kernel.
 */
public final class FastScorer {
    /** Rows per pass through the network in {@link #scoreBatch} (activations stay in L1/L2). */
    public static final int TILE = 32;

    private final ModelBundle bundle;
    private final Normalization norm;
    private final DenseKernel kernel;
    private final int d;
    private final int k;
    private final int contextWidth;
    private final float leak;
    private final float clip;
    /** Per layer: weights [in][outPadded] row-major (context rows last), bias [outPadded]. */
    private final float[][] w;
    private final float[][] b;
    /** Per layer: inputs excluding the context one-hot rows, and padded output width. */
    private final int[] n;
    private final int[] o;
    private final boolean[] takesContext;
    /** Index of the μ head (after the encoder's hidden layers) and of the decoder's first layer. */
    private final int muLayer;
    private final int decFirst;
    private final int lastLayer;
    /** Row stride of the activation buffers: the widest padded layer (or input). */
    private final int stride;
    private final float[] featureWeights;
    private final double upper;
    private final double lower;
    private final Direction direction;
    private final Map<String, Integer> slots;

    public FastScorer(ModelBundle bundle) {
        this(bundle, DenseKernel.best());
    }

    FastScorer(ModelBundle bundle, DenseKernel kernel) {
        this.bundle = bundle;
        this.kernel = kernel;
        Architecture arch = bundle.architecture();
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
        int layerCount = layers.size();
        muLayer = arch.encoderHidden().length;
        decFirst = muLayer + 2; // the log σ² head sits between them and is for training only
        lastLayer = layerCount - 1;
        w = new float[layerCount][];
        b = new float[layerCount][];
        n = new int[layerCount];
        o = new int[layerCount];
        takesContext = new boolean[layerCount];
        int lanes = kernel.lanes();
        int widest = pad(d, lanes);
        for (int l = 0; l < layerCount; l++) {
            Architecture.Layer layer = layers.get(l);
            int out = layer.out();
            int op = pad(out, lanes);
            takesContext[l] = contextWidth > 0 && (l == 0 || l == decFirst);
            n[l] = layer.in() - (l == 0 || l == decFirst ? contextWidth : 0);
            o[l] = op;
            w[l] = new float[layer.in() * op];
            for (int i = 0; i < layer.in(); i++) {
                System.arraycopy(flat, layer.weightOffset() + i * out, w[l], i * op, out);
            }
            b[l] = new float[op];
            System.arraycopy(flat, layer.biasOffset(), b[l], 0, out);
            widest = Math.max(widest, op);
        }
        stride = widest;
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

    private static int pad(int width, int lanes) {
        return (width + lanes - 1) / lanes * lanes;
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

    /** The arithmetic in use, e.g. "vector (16 × float, jdk.incubator.vector)" or "scalar". */
    public String kernel() {
        return kernel.describe();
    }

    /** The arithmetic new scorers in this JVM use (fails like the constructor when none is possible). */
    public static String kernelName() {
        return DenseKernel.best().describe();
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

    /**
     * Is the score of a record lacking features ({@link #scoreImputing}) anomalous? Only the upper
     * threshold applies: fitted on fewer features its score leans low, which under direction below
     * or both would read as a record too regular. Direction below flags none of them.
     */
    public boolean isAnomalyImputed(double score) {
        return direction != Direction.BELOW && score > upper;
    }

    /** The effective upper threshold (threshold / sensitivity). */
    public double threshold() {
        return upper;
    }

    /** Activation buffers for up to {@code rows} rows at a time. */
    private final class Work {
        final int rows;
        final float[] standardized;
        final float[] bufA;
        final float[] bufB;
        final int[] ctx;
        final float[][] one = new float[1][];
        final int[] oneSlot = new int[1];

        Work(int rows) {
            this.rows = rows;
            standardized = new float[rows * d];
            bufA = new float[rows * stride];
            bufB = new float[rows * stride];
            ctx = new int[rows];
        }
    }

    /** Per-thread working memory and the results of the last {@link #score} call. */
    public final class Scratch {
        /** μ(x), length latentDim. */
        public final float[] latent = new float[k];
        /** decode(μ(x)) in original units, length inputDim. */
        public final float[] expected = new float[d];
        /** Per-feature contribution to the score (they sum to score * inputDim). */
        public final float[] contributions = new float[d];
        final double[] score = new double[1];
        final Work work = new Work(1);
        Refinement refinement;

        private Scratch() {
        }
    }

    public Scratch newScratch() {
        return new Scratch();
    }

    /** Per-thread working memory and the results of the last {@link #scoreBatch} call, row-major. */
    public final class Batch {
        /** Rows this batch holds at most. */
        public final int capacity;
        /** μ(x) of row r at [r·latentDim, (r+1)·latentDim). */
        public final float[] latents;
        /** decode(μ(x)) in original units of row r at [r·inputDim, (r+1)·inputDim). */
        public final float[] expected;
        /** Per-feature contributions of row r at [r·inputDim, (r+1)·inputDim). */
        public final float[] contributions;
        /** Score of row r. */
        public final double[] scores;
        final Work work;

        private Batch(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("batch capacity must be >= 1");
            }
            this.capacity = capacity;
            latents = new float[capacity * k];
            expected = new float[capacity * d];
            contributions = new float[capacity * d];
            scores = new double[capacity];
            work = new Work(Math.min(capacity, TILE));
        }
    }

    public Batch newBatch(int capacity) {
        return new Batch(capacity);
    }

    /**
     * Scores of many rows, one at a time, for offline work (calibration, evaluation, replays); the
     * stream scores with {@link #score} and a scratch of its own.
     *
     * @param slots context slot per row, or null for slot 0 (a plain VAE)
     */
    public double[] scoreAll(double[][] rows, int[] slots) {
        Scratch scratch = newScratch();
        float[] row = new float[inputDim()];
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) rows[i][j];
            }
            out[i] = score(row, slots == null ? 0 : slots[i], scratch);
        }
        return out;
    }

    /**
     * Scores one record.
     *
     * @param x    raw feature values (length inputDim, finite)
     * @param slot context slot from {@link #contextSlot} (0 for a plain VAE)
     * @return the score (mean weighted squared standardized residual); details are in {@code s}
     */
    public double score(float[] x, int slot, Scratch s) {
        Work wk = s.work;
        wk.one[0] = x;
        wk.oneSlot[0] = slot;
        forward(wk.one, wk.oneSlot, 0, 1, wk, s.latent, s.expected, s.contributions, s.score, 0);
        wk.one[0] = null;
        return s.score[0];
    }

    /**
     * Scores a parsed record that lacks {@code missing} of its features (NaN in {@code x}, as the
     * parser counted them): {@link #score} for a whole one, {@link #scoreImputing} otherwise, so
     * callers that know the count need not scan for NaN.
     */
    public double score(float[] x, int slot, int missing, Scratch s) {
        return missing == 0 ? score(x, slot, s) : scoreImputing(x, slot, s);
    }

    /** {@link #isAnomaly} for a whole record, {@link #isAnomalyImputed} for one lacking {@code missing} features. */
    public boolean isAnomaly(double score, int missing) {
        return missing == 0 ? isAnomaly(score) : isAnomalyImputed(score);
    }

    /** Passes through the network that fill in a record's missing features ({@link #scoreImputing}). */
    public static final int IMPUTE_PASSES = 3;
    /** Gradient steps on μ after them ({@link #scoreImputing}), at most. */
    public static final int REFINE_STEPS = 20;
    /**
     * The steps stop earlier once μ has settled: the step (in latent units) has shrunk below this.
     * Measured on the shared datasets (docs/quality.md): the same figures as all 20 steps, at 0.4 ×
     * the cost on shuttle (on digits, whose μ keeps moving, about the same cost).
     */
    private static final double MIN_STEP = 0.03;

    /**
     * Scores a record that lacks some features, each NaN in {@code x} ({@code input.missing.max}).
     * They start at their mean (0 standardized); each of {@value #IMPUTE_PASSES} passes encodes and
     * decodes the record and takes the reconstruction of a missing feature as its next value. Then up
     * to {@value #REFINE_STEPS} gradient steps move μ to where the decoder best reproduces the features
     * present (their weighted squared residual): without them the encoder, which never saw a record
     * without a feature, could leave μ where the present features fit worse than in a whole record,
     * and on shuttle, one feature of nine hidden, passes alone flagged 5.0% of the normal rows against
     * 1.8% of whole ones (with the steps 0.4%). μ is then the latent, decode(μ) the expected values
     * (a missing feature's is what was imputed), and the score the mean weighted squared residual over
     * the present features, on the scale of a whole record's so the same threshold applies. A missing
     * feature's contribution is 0. With nothing missing this is {@link #score}.
     *
     * @return the score over the present features; details are in {@code s}
     * @throws IllegalArgumentException when every feature is missing
     */
    public double scoreImputing(float[] x, int slot, Scratch s) {
        Work wk = s.work;
        int row = norm.row(slot);
        float[] z = wk.standardized;
        int present = 0;
        for (int j = 0; j < d; j++) {
            if (Float.isNaN(x[j])) {
                z[j] = 0f;
            } else {
                z[j] = (x[j] - norm.mean(row, j)) / norm.scale(row, j);
                present++;
            }
        }
        if (present == d) {
            return score(x, slot, s);
        }
        if (present == 0) {
            throw new IllegalArgumentException("every feature is missing");
        }
        wk.ctx[0] = slot;
        int[] ctx = contextWidth > 0 ? wk.ctx : null;
        for (int pass = 0; pass < IMPUTE_PASSES; pass++) {
            for (int j = 0; j < d; j++) {
                float v = z[j];
                wk.bufA[j] = v > clip ? clip : (v < -clip ? -clip : v);
            }
            float[] mu = layers(0, muLayer, wk.bufA, wk.bufB, 1, ctx);
            System.arraycopy(mu, 0, s.latent, 0, k);
            float[] xhat = layers(decFirst, lastLayer, mu, mu == wk.bufA ? wk.bufB : wk.bufA, 1, ctx);
            for (int j = 0; j < d; j++) {
                if (Float.isNaN(x[j])) {
                    z[j] = xhat[j];
                }
            }
        }
        if (s.refinement == null) {
            s.refinement = new Refinement();
        }
        refine(x, z, s.latent, slot, s.refinement);
        System.arraycopy(s.latent, 0, wk.bufA, 0, k);
        float[] xhat = layers(decFirst, lastLayer, wk.bufA, wk.bufB, 1, ctx);
        double sum = 0;
        for (int j = 0; j < d; j++) {
            float h = xhat[j];
            float c = 0f;
            if (!Float.isNaN(x[j])) {
                float res = z[j] - h;
                c = featureWeights[j] * res * res;
            }
            s.contributions[j] = c;
            sum += c;
            s.expected[j] = h * norm.scale(row, j) + norm.mean(row, j);
        }
        s.score[0] = sum / present;
        return s.score[0];
    }

    /**
     * Decodes latent {@code mu} for one row, keeping each layer's output in {@code r.acts}, and returns
     * the weighted squared residual of the features {@code x} has against standardized {@code z}, with
     * its gradient with respect to {@code mu} in {@code grad}.
     */
    private double decodeLoss(float[] x, float[] z, float[] mu, Refinement r, float[] grad) {
        float[] in = mu;
        for (int l = decFirst; l <= lastLayer; l++) {
            float[] y = r.acts[l - decFirst];
            kernel.dense(w[l], b[l], n[l], o[l], in, stride, y, stride, 1, takesContext[l] ? r.ctx : null, leak, l < lastLayer);
            in = y;
        }
        float[] h = r.acts[lastLayer - decFirst];
        float[] g = r.gradA;
        java.util.Arrays.fill(g, 0f);
        double loss = 0;
        for (int j = 0; j < d; j++) {
            if (!Float.isNaN(x[j])) {
                float res = z[j] - h[j];
                loss += featureWeights[j] * res * res;
                g[j] = -2f * featureWeights[j] * res;
            }
        }
        float[] spare = r.gradB;
        for (int l = lastLayer; l >= decFirst; l--) {
            if (l < lastLayer) { // through the leaky ReLU: its output's sign is its input's
                float[] y = r.acts[l - decFirst];
                for (int j = 0; j < o[l]; j++) {
                    g[j] = y[j] > 0 ? g[j] : leak * g[j];
                }
            }
            kernel.rowDots(w[l], n[l], o[l], g, spare);
            java.util.Arrays.fill(spare, n[l], spare.length, 0f); // the previous layer's padded outputs
            float[] t = g;
            g = spare;
            spare = t;
        }
        System.arraycopy(g, 0, grad, 0, k);
        return loss;
    }

    /** Buffers of {@link #refine}, made on a scratch's first record with missing features. */
    private final class Refinement {
        final float[][] acts = new float[lastLayer - decFirst + 1][];
        final float[] gradA = new float[stride];
        final float[] gradB = new float[stride];
        final int[] ctx = new int[1];
        float[] grad = new float[k];
        float[] trialGrad = new float[k];
        final float[] trial = new float[stride];

        Refinement() {
            for (int l = decFirst; l <= lastLayer; l++) {
                acts[l - decFirst] = new float[stride];
            }
        }
    }

    /**
     * Moves {@code mu} downhill on the weighted squared residual of the present features:
     * normalized gradient steps whose length grows by half after a step that lowers it and halves
     * after one that does not, until the step is under MIN_STEP or REFINE_STEPS are taken.
     */
    private void refine(float[] x, float[] z, float[] mu, int slot, Refinement r) {
        r.ctx[0] = slot;
        double loss = decodeLoss(x, z, mu, r, r.grad);
        double step = 0.25;
        for (int it = 0; it < REFINE_STEPS; it++) {
            double norm = 0;
            for (float v : r.grad) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            if (norm < 1e-9) {
                break;
            }
            for (int i = 0; i < k; i++) {
                r.trial[i] = (float) (mu[i] - step * r.grad[i] / norm);
            }
            double trialLoss = decodeLoss(x, z, r.trial, r, r.trialGrad);
            if (trialLoss < loss) {
                System.arraycopy(r.trial, 0, mu, 0, k);
                loss = trialLoss;
                float[] t = r.grad;
                r.grad = r.trialGrad;
                r.trialGrad = t;
                step *= 1.5;
            } else {
                step *= 0.5;
                if (step < MIN_STEP) {
                    break;
                }
            }
        }
    }

    /**
     * Scores {@code count} records; the same results as {@link #score} row by row (up to float
     * rounding), faster from a few rows on.
     *
     * @param rows  raw feature values, rows[0..count) each of length inputDim
     * @param slots context slots per row, or null for slot 0 everywhere
     * @param out   receives latents, expected values, contributions and scores of rows 0..count
     */
    public void scoreBatch(float[][] rows, int[] slots, int count, Batch out) {
        if (count > out.capacity || count > rows.length || (slots != null && count > slots.length)) {
            throw new IllegalArgumentException("batch of " + count + " rows exceeds the capacity or the inputs");
        }
        for (int from = 0; from < count; from += out.work.rows) {
            forward(rows, slots, from, Math.min(out.work.rows, count - from), out.work, out.latents, out.expected,
                    out.contributions, out.scores, from);
        }
    }

    /** The network over rows[from, from+count), results written at row index outRow + r. */
    private void forward(float[][] rows, int[] slotOf, int from, int count, Work wk, float[] latents, float[] expected,
                         float[] contributions, double[] scores, int outRow) {
        float[] z = wk.standardized;
        float[] cur = wk.bufA;
        float[] nxt = wk.bufB;
        for (int r = 0; r < count; r++) {
            float[] x = rows[from + r];
            int slot = slotOf == null ? 0 : slotOf[from + r];
            wk.ctx[r] = slot;
            int row = norm.row(slot);
            int zr = r * d;
            int ar = r * stride;
            for (int j = 0; j < d; j++) {
                float v = (x[j] - norm.mean(row, j)) / norm.scale(row, j);
                z[zr + j] = v;
                cur[ar + j] = v > clip ? clip : (v < -clip ? -clip : v);
            }
        }
        int[] ctx = contextWidth > 0 ? wk.ctx : null;
        float[] mu = layers(0, muLayer, cur, nxt, count, ctx);
        for (int r = 0; r < count; r++) {
            System.arraycopy(mu, r * stride, latents, (outRow + r) * k, k);
        }
        float[] xhat = layers(decFirst, lastLayer, mu, mu == cur ? nxt : cur, count, ctx);
        for (int r = 0; r < count; r++) {
            int row = norm.row(wk.ctx[r]);
            int zr = r * d;
            int hr = r * stride;
            int or = (outRow + r) * d;
            double sum = 0;
            for (int j = 0; j < d; j++) {
                float h = xhat[hr + j];
                float res = z[zr + j] - h;
                float c = featureWeights[j] * res * res;
                contributions[or + j] = c;
                sum += c;
                expected[or + j] = h * norm.scale(row, j) + norm.mean(row, j);
            }
            scores[outRow + r] = sum / d;
        }
    }

    /**
     * Generation: decodes a latent vector to a record in original units.
     *
     * @param z    latent vector (length latentDim), e.g. drawn from N(0, I)
     * @param slot context slot (0 = unknown / plain VAE)
     * @param out  receives inputDim values
     */
    public void decode(float[] z, int slot, float[] out, Scratch s) {
        Work wk = s.work;
        System.arraycopy(z, 0, wk.bufA, 0, k);
        wk.ctx[0] = slot;
        float[] xhat = layers(decFirst, lastLayer, wk.bufA, wk.bufB, 1, contextWidth > 0 ? wk.ctx : null);
        int row = norm.row(slot);
        for (int j = 0; j < d; j++) {
            out[j] = xhat[j] * norm.scale(row, j) + norm.mean(row, j);
        }
    }

    /**
     * Layers from..to over {@code count} rows held in {@code in}, ping-ponging with {@code spare};
     * leaky ReLU on all but the last. Returns the buffer that holds the output.
     */
    private float[] layers(int from, int to, float[] in, float[] spare, int count, int[] ctx) {
        float[] cur = in;
        float[] nxt = spare;
        for (int l = from; l <= to; l++) {
            kernel.dense(w[l], b[l], n[l], o[l], cur, stride, nxt, stride, count, takesContext[l] ? ctx : null, leak, l < to);
            float[] t = cur;
            cur = nxt;
            nxt = t;
        }
        return cur;
    }
}
