package io.latentstream.retrain;

import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.Normalization;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An entity that reports rarely: the conditional model learned "c" from plenty of rows, but a retrain
 * window holds only a handful of its samples. Its standardization must not be refit from those few
 * rows, or every later reading of "c" is seen shifted and rescaled by chance and its normal readings
 * become alarms; it keeps the parent's statistics, while the well-sampled "a" and "b" are refit.
 */
class SparseContextRetrainTest {
    private static final int D = 6;
    private static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4", "f5");

    private static double[][] rows(String[] keys, double[][] mix, Random rnd) {
        double[][] x = new double[keys.length][D];
        for (int i = 0; i < x.length; i++) {
            double z0 = rnd.nextGaussian();
            double z1 = rnd.nextGaussian();
            int k = keys[i].charAt(0) - 'a';
            for (int j = 0; j < D; j++) {
                x[i][j] = 10 + z0 * mix[0][j] + z1 * mix[1][j] + 0.1 * rnd.nextGaussian() + k * 6.0 * (j % 2 == 0 ? 1 : -1);
            }
        }
        return x;
    }

    private static double flagRate(ModelBundle b, String key, double[][] mix, long seed) {
        String[] keys = new String[1000];
        Arrays.fill(keys, key);
        double[][] x = rows(keys, mix, new Random(seed));
        FastScorer s = new FastScorer(b);
        int n = 0;
        for (double[] r : x) {
            float[] row = new float[D];
            for (int j = 0; j < D; j++) {
                row[j] = (float) r[j];
            }
            n += s.isAnomaly(s.score(row, s.contextSlot(key), s.newScratch())) ? 1 : 0;
        }
        return n / (double) x.length;
    }

    @Test
    void aRarelySampledEntityKeepsItsStatistics() {
        Random rnd = new Random(11);
        double[][] mix = new double[2][D];
        for (double[] m : mix) {
            for (int j = 0; j < D; j++) {
                m[j] = rnd.nextGaussian();
            }
        }
        String[] ctx = new String[3000];
        for (int i = 0; i < ctx.length; i++) {
            ctx[i] = "abc".substring(i % 3, i % 3 + 1);
        }
        ModelBundle v1 = VaeTrainer.train(new TrainingData(FEATURES, rows(ctx, mix, rnd), ctx, "entity", "fleet"),
                TrainOptions.defaults().withEpochs(40).withBatch(64, 5e-3), new VaeTrainer.Identity("m", 1, null, Map.of()), null, null);
        assertEquals(List.of("a", "b", "c"), v1.manifest().context().vocabulary());

        // The window: 2,000 samples of a and b, and 12 of c spread over it (10 among the training rows).
        String[] w = new String[2000];
        for (int i = 0; i < w.length; i++) {
            w[i] = i % 160 == 7 ? "c" : i % 2 == 0 ? "a" : "b";
        }
        TrainingData window = new TrainingData(FEATURES, rows(w, mix, new Random(5)), w, "entity", "window");
        ModelBundle v2 = Retrainer.trainChallenger(v1, window, 15, 100, 2, Map.of());

        double v1c = flagRate(v1, "c", mix, 21);
        double v2c = flagRate(v2, "c", mix, 21);
        double v2a = flagRate(v2, "a", mix, 22);
        System.out.printf("rarely sampled entity c (10 training rows in the window): normal readings flagged v1 %.3f -> v2 %.3f; a %.3f%n",
                v1c, v2c, v2a);
        Normalization n1 = v1.normalization();
        Normalization n2 = v2.normalization();
        assertArrayEquals(n1.mean()[3], n2.mean()[3], "c keeps the parent's mean");
        assertArrayEquals(n1.scale()[3], n2.scale()[3], "c keeps the parent's scale");
        assertFalse(Arrays.equals(n1.mean()[1], n2.mean()[1]), "a, well sampled, is refit on the window");
        assertTrue(v2c < 0.05, "v2 keeps c's calibration: false alarms " + v2c);
        assertTrue(v2a < 0.05, "a keeps its calibration: false alarms " + v2a);
    }
}
