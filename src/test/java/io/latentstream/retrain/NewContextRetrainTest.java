package io.latentstream.retrain;

import io.latentstream.model.BundleCodec;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fleet grows: entity "c" appears after a conditional model was trained on "a" and "b". The live
 * model scores it with its unknown-context slot (the fleet's average), which flags its normal
 * readings and misses a reading that is normal for "a" but not for "c". A routine retrain gives
 * "c" its own slot, learns its normal from its samples (flagged ones included: they were flagged
 * against the average), and the gate lets it through; with the feature off (min 0) it does not.
 */
class NewContextRetrainTest {
    private static LowRankFleet fleet;
    private static ModelBundle v1;

    @BeforeAll
    static void firstModelKnowsAAndB() {
        Random rnd = new Random(11);
        fleet = new LowRankFleet(rnd);
        String[] ctx = new String[3000];
        for (int i = 0; i < ctx.length; i++) {
            ctx[i] = i % 2 == 0 ? "a" : "b";
        }
        v1 = VaeTrainer.train(new TrainingData(LowRankFleet.FEATURES, fleet.rows(ctx, rnd), ctx, "entity", "fleet"),
                TrainOptions.defaults().withEpochs(40).withBatch(64, 5e-3), new VaeTrainer.Identity("m", 1, null, Map.of()), null, null);
        assertEquals(List.of("a", "b"), v1.manifest().context().vocabulary());
    }

    /** A window as the samples topic holds it: "a", "b" and, interleaved, the new "c"; flags are v1's. */
    private static TrainingData window(int newContextMinRows, Random rnd) {
        String[] ctx = new String[2000];
        for (int i = 0; i < ctx.length; i++) {
            ctx[i] = i % 4 == 3 ? "c" : i % 2 == 0 ? "a" : "b";
        }
        return window(ctx, newContextMinRows, rnd);
    }

    private static TrainingData window(String[] ctx, int newContextMinRows, Random rnd) {
        double[][] x = fleet.rows(ctx, rnd);
        FastScorer live = new FastScorer(v1);
        Set<String> added = Retrainer.contextsToLearn(v1, ctx, newContextMinRows);
        boolean[] heldOut = new boolean[x.length];
        for (int i = 0; i < x.length; i++) {
            heldOut[i] = LowRankFleet.flags(live, x[i], ctx[i]) && !added.contains(ctx[i]); // as SamplesWindow marks them
        }
        return new TrainingData(LowRankFleet.FEATURES, x, ctx, "entity", "window", heldOut);
    }

    private static double flagRate(ModelBundle b, String key, String like, long seed) {
        return fleet.flagRate(b, key, like, 500, seed);
    }

    @Test
    void aRoutineRetrainLearnsANewEntity() {
        TrainingData w = window(20, new Random(5));
        ModelBundle v2 = Retrainer.trainChallenger(v1, w, 15, 20, 2, Map.of());
        assertEquals(List.of("a", "b", "c"), v2.manifest().context().vocabulary(), "known slots keep their order, c appended");

        Retrainer.Verdict verdict = Retrainer.judge(v1, v2, w, Retrainer.Run.ROUTINE, 0.05, 0.01);
        assertTrue(verdict.published(), verdict.reason());
        assertEquals(1.0, verdict.figures().get("new_contexts"));

        double v1NormalC = flagRate(v1, "c", "c", 21);
        double v2NormalC = flagRate(v2, "c", "c", 21);
        double v1ALikeC = flagRate(v1, "c", "a", 22);
        double v2ALikeC = flagRate(v2, "c", "a", 22);
        System.out.printf("new entity c: normal readings flagged v1 %.3f -> v2 %.3f; a-like readings from c flagged v1 %.3f -> v2 %.3f; %s%n",
                v1NormalC, v2NormalC, v1ALikeC, v2ALikeC, verdict.reason());
        // v1 (unknown slot): c's own normal readings are alarms, an a-like reading from c passes.
        assertTrue(v1NormalC > 0.5, "the scenario: v1 flags c's normal readings, " + v1NormalC);
        assertTrue(v1ALikeC < 0.1, "the scenario: v1 takes an a-like reading from c as normal, " + v1ALikeC);
        assertTrue(v2NormalC < 0.05, "v2 knows c's normal: false alarms " + v2NormalC);
        assertTrue(v2ALikeC > 0.9, "v2 flags a reading normal for a but not for c: " + v2ALikeC);
        // a and b keep their calibration.
        assertTrue(flagRate(v2, "a", "a", 23) < 0.05 && flagRate(v2, "b", "b", 24) < 0.05);
        // A grown bundle the processors would refuse (model.max.bytes) is not published.
        int v1Bytes = BundleCodec.write(v1).length;
        assertTrue(BundleCodec.write(v2).length > v1Bytes);
        Retrainer.Verdict tooLarge = Retrainer.fits(verdict, v2, v1Bytes);
        assertFalse(tooLarge.published());
        assertTrue(tooLarge.reason().contains("OVERSIZED") && tooLarge.reason().contains("model.max.bytes"), tooLarge.reason());
        assertTrue(Retrainer.fits(verdict, v2, v1Bytes * 2).published());
    }

    @Test
    void anEntityOnlyInTheNewestSliceWaitsForTheNextRetrain() {
        // "c" joined so recently that all its 300 samples fall in the newest 20%, the challenger's validation
        // rows: a slot would stay untrained, so it gets none yet, and its flagged samples stay held out.
        String[] ctx = new String[2000];
        for (int i = 0; i < ctx.length; i++) {
            ctx[i] = i >= 1700 && i % 4 == 3 ? "c" : i % 2 == 0 ? "a" : "b";
        }
        TrainingData w = window(ctx, 20, new Random(6));
        assertTrue(w.rows() - w.trainableRows() > 50, "c's flagged samples are held out: " + (w.rows() - w.trainableRows()));
        ModelBundle v2 = Retrainer.trainChallenger(v1, w, 15, 20, 2, Map.of());
        assertEquals(List.of("a", "b"), v2.manifest().context().vocabulary());
        assertTrue(flagRate(v2, "a", "a", 23) < 0.05 && flagRate(v2, "b", "b", 24) < 0.05);
    }

    @Test
    void withTheFeatureOffANewEntityStaysOnTheUnknownSlot() {
        TrainingData w = window(0, new Random(5));
        ModelBundle v2 = Retrainer.trainChallenger(v1, w, 15, 0, 2, Map.of());
        assertEquals(List.of("a", "b"), v2.manifest().context().vocabulary());
        double aLike = flagRate(v2, "c", "a", 22);
        double normal = flagRate(v2, "c", "c", 21);
        System.out.printf("feature off: a-like readings from c flagged %.3f, c's normal readings %.3f%n", aLike, normal);
        assertFalse(aLike > 0.5, "without its own slot an a-like reading from c passes: " + aLike);
    }
}
