package io.latentstream.retrain;

import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Generated fleet data for the retrain tests: entity "a", "b", "c", … reads 10 + a shared two-factor
 * signal + small noise + its own offset (6 per letter, alternating sign by feature), so each entity's
 * normal is far from the others'.
 */
final class LowRankFleet {
    static final int D = 6;
    static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4", "f5");
    private final double[][] mix = new double[2][D];

    /** The two factors' loadings, drawn from {@code rnd}. */
    LowRankFleet(Random rnd) {
        for (double[] m : mix) {
            for (int j = 0; j < D; j++) {
                m[j] = rnd.nextGaussian();
            }
        }
    }

    /** One row per entry of {@code like}, drawn from that entity's normal. */
    double[][] rows(String[] like, Random rnd) {
        double[][] x = new double[like.length][D];
        for (int i = 0; i < x.length; i++) {
            double z0 = rnd.nextGaussian();
            double z1 = rnd.nextGaussian();
            int k = like[i].charAt(0) - 'a';
            for (int j = 0; j < D; j++) {
                x[i][j] = 10 + z0 * mix[0][j] + z1 * mix[1][j] + 0.1 * rnd.nextGaussian() + k * 6.0 * (j % 2 == 0 ? 1 : -1);
            }
        }
        return x;
    }

    static boolean flags(FastScorer s, double[] x, String ctx) {
        float[] row = new float[D];
        for (int j = 0; j < D; j++) {
            row[j] = (float) x[j];
        }
        return s.isAnomaly(s.score(row, s.contextSlot(ctx), s.newScratch()));
    }

    /** Share of {@code n} fresh readings drawn from the normal of {@code like}, keyed {@code key}, that {@code b} flags. */
    double flagRate(ModelBundle b, String key, String like, int n, long seed) {
        String[] likes = new String[n];
        Arrays.fill(likes, like);
        double[][] x = rows(likes, new Random(seed));
        FastScorer s = new FastScorer(b);
        int flagged = 0;
        for (double[] r : x) {
            flagged += flags(s, r, key) ? 1 : 0;
        }
        return flagged / (double) n;
    }
}
