package io.latentstream.model;

/**
 * Plain-Java {@link DenseKernel}: the fallback when jdk.incubator.vector is absent. Blocks of four
 * rows share each weight load; C2 does not vectorize these loops on Java 17, so this runs at about
 * 2–4 GMAC/s.
 */
final class ScalarDenseKernel implements DenseKernel {
    @Override
    public int lanes() {
        return 1;
    }

    @Override
    public String describe() {
        return "scalar";
    }

    @Override
    public void dense(float[] w, float[] b, int n, int o, float[] x, int xs, float[] y, int ys, int rows, int[] ctx,
                      float leak, boolean activate) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int x0 = r * xs, x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
            int y0 = r * ys, y1 = y0 + ys, y2 = y1 + ys, y3 = y2 + ys;
            init(w, b, n, o, ctx, r, y, y0);
            init(w, b, n, o, ctx, r + 1, y, y1);
            init(w, b, n, o, ctx, r + 2, y, y2);
            init(w, b, n, o, ctx, r + 3, y, y3);
            for (int i = 0; i < n; i++) {
                float v0 = x[x0 + i], v1 = x[x1 + i], v2 = x[x2 + i], v3 = x[x3 + i];
                int base = i * o;
                for (int j = 0; j < o; j++) {
                    float wij = w[base + j];
                    y[y0 + j] += v0 * wij;
                    y[y1 + j] += v1 * wij;
                    y[y2 + j] += v2 * wij;
                    y[y3 + j] += v3 * wij;
                }
            }
            if (activate) {
                leaky(y, y0, o, leak);
                leaky(y, y1, o, leak);
                leaky(y, y2, o, leak);
                leaky(y, y3, o, leak);
            }
        }
        for (; r < rows; r++) {
            int x0 = r * xs, y0 = r * ys;
            init(w, b, n, o, ctx, r, y, y0);
            for (int i = 0; i < n; i++) {
                float v = x[x0 + i];
                int base = i * o;
                for (int j = 0; j < o; j++) {
                    y[y0 + j] += v * w[base + j];
                }
            }
            if (activate) {
                leaky(y, y0, o, leak);
            }
        }
    }

    @Override
    public void rowDots(float[] w, int n, int o, float[] g, float[] out) {
        for (int i = 0; i < n; i++) {
            float acc = 0;
            int base = i * o;
            for (int j = 0; j < o; j++) {
                acc += w[base + j] * g[j];
            }
            out[i] = acc;
        }
    }

    private static void init(float[] w, float[] b, int n, int o, int[] ctx, int r, float[] y, int y0) {
        System.arraycopy(b, 0, y, y0, o);
        if (ctx != null) {
            int base = (n + ctx[r]) * o;
            for (int j = 0; j < o; j++) {
                y[y0 + j] += w[base + j];
            }
        }
    }

    private static void leaky(float[] y, int y0, int o, float leak) {
        for (int j = y0; j < y0 + o; j++) {
            float v = y[j];
            y[j] = v > 0 ? v : leak * v;
        }
    }
}
