package io.latentstream.model;

/**
 * Standardization statistics from training data: {@code (x - mean) / scale} per feature. One row
 * for a global normalization; for a conditional model one row per context slot (row 0 = the
 * unknown slot, which holds the global statistics), so each entity is standardized against its
 * own normal. A zero standard deviation is stored as scale 1 (constant features stay finite).
 */
public record Normalization(float[][] mean, float[][] scale) {
    public Normalization {
        if (mean.length == 0 || mean.length != scale.length) {
            throw new IllegalArgumentException("normalization needs as many mean rows as scale rows (>= 1)");
        }
        int d = mean[0].length;
        float[][] m = new float[mean.length][];
        float[][] s = new float[scale.length][];
        for (int r = 0; r < mean.length; r++) {
            if (mean[r].length != d || scale[r].length != d) {
                throw new IllegalArgumentException("normalization row " + r + " has the wrong length");
            }
            m[r] = mean[r].clone();
            s[r] = scale[r].clone();
            for (int j = 0; j < d; j++) {
                if (!Float.isFinite(m[r][j]) || !Float.isFinite(s[r][j]) || s[r][j] <= 0) {
                    throw new IllegalArgumentException("normalization row " + r + " feature " + j
                            + ": mean and scale must be finite and scale > 0");
                }
            }
        }
        mean = m;
        scale = s;
    }

    public int rows() {
        return mean.length;
    }

    public int dim() {
        return mean[0].length;
    }

    /** Row used for a context slot: the slot's own row when per-context, else the only row. */
    public int row(int contextSlot) {
        return mean.length == 1 ? 0 : contextSlot;
    }

    public float mean(int row, int j) {
        return mean[row][j];
    }

    public float scale(int row, int j) {
        return scale[row][j];
    }

    @Override
    public float[][] mean() {
        return deepCopy(mean);
    }

    @Override
    public float[][] scale() {
        return deepCopy(scale);
    }

    private static float[][] deepCopy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /**
     * Fits statistics. With {@code contexts} (slot per row, 1..V) and {@code perContext}, every
     * slot with at least {@code minRows} rows gets its own statistics; the others and slot 0 get
     * the global ones.
     */
    public static Normalization fit(double[][] x, int[] contexts, int slots, boolean perContext, int minRows) {
        int d = x[0].length;
        float[][] gm = new float[1][];
        float[][] gs = new float[1][];
        stats(x, null, -1, gm, gs, 0);
        if (!perContext || contexts == null || slots <= 1) {
            return new Normalization(gm, gs);
        }
        float[][] m = new float[slots][];
        float[][] s = new float[slots][];
        int[] counts = rowsPerSlot(contexts, slots);
        for (int slot = 0; slot < slots; slot++) {
            if (slot > 0 && counts[slot] >= minRows) {
                stats(x, contexts, slot, m, s, slot);
            } else {
                m[slot] = gm[0].clone();
                s[slot] = gs[0].clone();
            }
        }
        return new Normalization(m, s);
    }

    /**
     * For a warm start: every context slot with fewer than {@code minRows} of the window's rows
     * ({@code counts}, by slot: {@link #rowsPerSlot}) keeps
     * the statistics the parent standardized it with (a slot the parent lacks: the parent's unknown
     * slot, whose weights it starts from). Slot 0 keeps the window's global statistics. The parent's
     * weights were trained against its statistics; a few window rows would move a slot's mean and scale
     * by chance, and the network, barely retrained on those rows, would then see every reading of that
     * entity shifted or blown up.
     */
    public Normalization keepingSparseSlots(Normalization parent, int[] counts, int minRows) {
        if (rows() == 1 || counts == null) {
            return this;
        }
        if (parent.dim() != dim()) {
            throw new IllegalArgumentException("parent normalization has " + parent.dim() + " features, not " + dim());
        }
        float[][] m = mean();
        float[][] s = scale();
        for (int slot = 1; slot < rows(); slot++) {
            if (counts[slot] < minRows) {
                int from = slot < parent.rows() ? parent.row(slot) : 0;
                m[slot] = parent.mean[from].clone();
                s[slot] = parent.scale[from].clone();
            }
        }
        return new Normalization(m, s);
    }

    /** How many of {@code contexts} (a slot per row) fall in each of {@code slots} slots. */
    public static int[] rowsPerSlot(int[] contexts, int slots) {
        int[] counts = new int[slots];
        for (int c : contexts) {
            counts[c]++;
        }
        return counts;
    }

    private static void stats(double[][] x, int[] contexts, int slot, float[][] m, float[][] s, int row) {
        int d = x[0].length;
        double[] sum = new double[d];
        double[] sq = new double[d];
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            if (contexts != null && contexts[i] != slot) {
                continue;
            }
            n++;
            for (int j = 0; j < d; j++) {
                sum[j] += x[i][j];
            }
        }
        double[] mean = new double[d];
        for (int j = 0; j < d; j++) {
            mean[j] = sum[j] / Math.max(1, n);
        }
        for (int i = 0; i < x.length; i++) {
            if (contexts != null && contexts[i] != slot) {
                continue;
            }
            for (int j = 0; j < d; j++) {
                double dv = x[i][j] - mean[j];
                sq[j] += dv * dv;
            }
        }
        m[row] = new float[d];
        s[row] = new float[d];
        for (int j = 0; j < d; j++) {
            double sd = Math.sqrt(sq[j] / Math.max(1, n));
            m[row][j] = (float) mean[j];
            s[row][j] = sd > 1e-12 ? (float) sd : 1f;
        }
    }
}
