package io.latentstream.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small generated data for model tests: low-rank structure plus noise, optionally per context. */
public final class Synthetic {
    private Synthetic() {
    }

    public static List<String> names(int d) {
        List<String> n = new ArrayList<>();
        for (int j = 0; j < d; j++) {
            n.add("f" + j);
        }
        return n;
    }

    /** n rows of d features driven by r latent factors (so a small latent compresses them). */
    public static double[][] lowRank(int n, int d, int r, long seed) {
        Random rnd = new Random(seed);
        double[][] mix = new double[r][d];
        for (int f = 0; f < r; f++) {
            for (int j = 0; j < d; j++) {
                mix[f][j] = rnd.nextGaussian();
            }
        }
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            double[] z = new double[r];
            for (int f = 0; f < r; f++) {
                z[f] = rnd.nextGaussian();
            }
            for (int j = 0; j < d; j++) {
                double v = 10 + 0.1 * rnd.nextGaussian();
                for (int f = 0; f < r; f++) {
                    v += z[f] * mix[f][j];
                }
                x[i][j] = v;
            }
        }
        return x;
    }

    /** Contexts "a","b","c" with very different offsets per context. */
    public static String[] contexts(double[][] x, long seed) {
        Random rnd = new Random(seed);
        String[] c = new String[x.length];
        for (int i = 0; i < x.length; i++) {
            int k = rnd.nextInt(3);
            c[i] = "abc".substring(k, k + 1);
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] += k * 8.0 * (j % 2 == 0 ? 1 : -1);
            }
        }
        return c;
    }

    static TrainOptions fast() {
        return TrainOptions.defaults().withEpochs(15).withBatch(32, 5e-3);
    }

    static ModelBundle train(TrainingData data, TrainOptions o) {
        return VaeTrainer.train(data, o, new VaeTrainer.Identity("t", 1, null, null), null, null);
    }
}
