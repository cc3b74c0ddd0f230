package io.latentstream.eval;

/**
 * PCA baseline with the evaluation protocol's standardization (training mean and standard
 * deviation, 0 → 1): k leading components by Jacobi eigen-decomposition of the covariance.
 * Score = squared reconstruction error; NRMSE = RMSE of the reconstruction on standardized features.
 */
public final class Pca {
    private final double[] mean;
    private final double[] std;
    private final double[][] components; // k × d
    private final int d;

    private Pca(double[] mean, double[] std, double[][] components) {
        this.mean = mean;
        this.std = std;
        this.components = components;
        this.d = mean.length;
    }

    public static Pca fit(double[][] x, int k) {
        int d = x[0].length;
        int n = x.length;
        double[] mean = new double[d];
        double[] std = new double[d];
        for (double[] r : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += r[j] / n;
            }
        }
        for (double[] r : x) {
            for (int j = 0; j < d; j++) {
                std[j] += (r[j] - mean[j]) * (r[j] - mean[j]) / n;
            }
        }
        for (int j = 0; j < d; j++) {
            std[j] = Math.sqrt(std[j]);
            if (std[j] < 1e-12) {
                std[j] = 1;
            }
        }
        double[][] cov = new double[d][d];
        double[] z = new double[d];
        for (double[] r : x) {
            for (int j = 0; j < d; j++) {
                z[j] = (r[j] - mean[j]) / std[j];
            }
            for (int a = 0; a < d; a++) {
                for (int b = a; b < d; b++) {
                    cov[a][b] += z[a] * z[b] / n;
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < a; b++) {
                cov[a][b] = cov[b][a];
            }
        }
        double[][] vectors = new double[d][d];
        double[] values = jacobi(cov, vectors);
        Integer[] order = new Integer[d];
        for (int i = 0; i < d; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (p, q) -> Double.compare(values[q], values[p]));
        double[][] comps = new double[Math.min(k, d)][d];
        for (int c = 0; c < comps.length; c++) {
            for (int j = 0; j < d; j++) {
                comps[c][j] = vectors[j][order[c]];
            }
        }
        return new Pca(mean, std, comps);
    }

    /** Standard deviation of feature j in the training rows (1 for a constant feature). */
    public double std(int j) {
        return std[j];
    }

    /**
     * Fills the features of a row that {@code missing} marks, the way {@code FastScorer.scoreImputing}
     * does with the network: start at the mean, then reconstruct from the k components and take the
     * reconstruction as their next value, {@code passes} times. Returns the row standardized, filled.
     */
    public double[] impute(double[] row, boolean[] missing, int passes) {
        double[] z = new double[d];
        for (int j = 0; j < d; j++) {
            z[j] = missing[j] ? 0 : (row[j] - mean[j]) / std[j];
        }
        for (int pass = 0; pass < passes; pass++) {
            double[] rec = reconstruct(z);
            for (int j = 0; j < d; j++) {
                z[j] = missing[j] ? rec[j] : z[j];
            }
        }
        return z;
    }

    /** Training mean of feature j. */
    public double mean(int j) {
        return mean[j];
    }

    /** Squared reconstruction error of each row (standardized space). */
    public double[] scores(double[][] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = sqError(x[i]);
        }
        return out;
    }

    /** RMSE of the reconstruction over all rows and features, standardized space. */
    public double nrmse(double[][] x) {
        double s = 0;
        for (double[] r : x) {
            s += sqError(r);
        }
        return Math.sqrt(s / ((double) x.length * d));
    }

    private double sqError(double[] r) {
        double[] z = new double[d];
        for (int j = 0; j < d; j++) {
            z[j] = (r[j] - mean[j]) / std[j];
        }
        double[] rec = reconstruct(z);
        double e = 0;
        for (int j = 0; j < d; j++) {
            e += (z[j] - rec[j]) * (z[j] - rec[j]);
        }
        return e;
    }

    /** The projection of standardized {@code z} on the k components, in standardized space. */
    private double[] reconstruct(double[] z) {
        double[] rec = new double[d];
        for (double[] c : components) {
            double p = 0;
            for (int j = 0; j < d; j++) {
                p += z[j] * c[j];
            }
            for (int j = 0; j < d; j++) {
                rec[j] += p * c[j];
            }
        }
        return rec;
    }

    /** Cyclic Jacobi eigenvalue algorithm for a symmetric matrix; columns of v are eigenvectors. */
    static double[] jacobi(double[][] input, double[][] v) {
        int n = input.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = input[i].clone();
            java.util.Arrays.fill(v[i], 0);
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off < 1e-22) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = a[i][i];
        }
        return values;
    }
}
