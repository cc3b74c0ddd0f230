package io.latentstream.retrain;

import io.latentstream.model.ModelBundle;
import io.latentstream.model.Normalization;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import org.junit.jupiter.api.BeforeAll;
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
 * Entities a retrain window holds too few samples of: the conditional model learned "c" from plenty of
 * rows, but "c" reports rarely, or was offline while the window filled. A retrain must not refit its
 * standardization from a handful of rows (every later reading of "c" would be seen shifted and
 * rescaled by chance), and must not forget it while the weights all entities share move on the others'
 * samples (it rehearses "c" with rows the champion generates for it).
 */
class SparseContextRetrainTest {
    private static LowRankFleet fleet;
    private static ModelBundle v1;

    @BeforeAll
    static void firstModelKnowsABAndC() {
        Random rnd = new Random(11);
        fleet = new LowRankFleet(rnd);
        String[] ctx = new String[3000];
        for (int i = 0; i < ctx.length; i++) {
            ctx[i] = "abc".substring(i % 3, i % 3 + 1);
        }
        v1 = VaeTrainer.train(new TrainingData(LowRankFleet.FEATURES, fleet.rows(ctx, rnd), ctx, "entity", "fleet"),
                TrainOptions.defaults().withEpochs(40).withBatch(64, 5e-3), new VaeTrainer.Identity("m", 1, null, Map.of()), null, null);
        assertEquals(List.of("a", "b", "c"), v1.manifest().context().vocabulary());
    }

    private static double flagRate(ModelBundle b, String key, long seed) {
        return fleet.flagRate(b, key, key, 1000, seed);
    }

    /** A window of 2,000 samples of a and b, with every {@code cEvery}-th one of c (0: none). */
    private static TrainingData window(int cEvery, long seed) {
        String[] w = new String[2000];
        for (int i = 0; i < w.length; i++) {
            w[i] = cEvery > 0 && i % cEvery == 7 ? "c" : i % 2 == 0 ? "a" : "b";
        }
        return new TrainingData(LowRankFleet.FEATURES, fleet.rows(w, new Random(seed)), w, "entity", "window");
    }

    @Test
    void aRarelySampledEntityKeepsItsStatistics() {
        // 12 samples of c, 10 among the training rows.
        TrainingData window = window(160, 5);
        ModelBundle v2 = Retrainer.trainChallenger(v1, window, 15, 100, 2, Map.of());

        double v1c = flagRate(v1, "c", 21);
        double v2c = flagRate(v2, "c", 21);
        double v2a = flagRate(v2, "a", 22);
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

    @Test
    void anEntityAbsentFromTheWindowsIsNotForgotten() {
        ModelBundle live = v1;
        StringBuilder trace = new StringBuilder(String.format("c flagged v1 %.3f", flagRate(v1, "c", 21)));
        for (int r = 0; r < 2; r++) {
            TrainingData window = window(0, 5 + r);
            ModelBundle challenger = Retrainer.trainChallenger(live, window, 30, 100, live.version() + 1, Map.of());
            assertEquals(1.0, challenger.manifest().validation().get("rehearsed_contexts"));
            assertEquals(800.0, challenger.manifest().validation().get("rehearsal_rows"), "c gets as many rows as a or b trains on");
            Retrainer.Verdict verdict = Retrainer.judge(live, challenger, window, Retrainer.Run.ROUTINE, 0.05, 0.01);
            if (verdict.published()) {
                live = challenger;
            }
            double c = flagRate(live, "c", 21);
            trace.append(String.format(" -> v%d %.3f", live.version(), c));
            assertTrue(c < 0.03, "c, absent from " + (r + 1) + " window(s), keeps its calibration: " + trace);
            assertTrue(flagRate(live, "a", 22) < 0.05 && flagRate(live, "b", 23) < 0.05, "a and b keep theirs");
        }
        System.out.println("entity c absent from two retrain windows: " + trace);
    }
}
