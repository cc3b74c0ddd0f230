package io.latentstream.retrain;

import io.latentstream.model.Manifest;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gate judges each entity of a fleet on its own: a challenger that floods one entity with alarms
 * moves the newest slice's overall flag rate by less than the rate tolerance, so only a per-entity
 * check sees it; and a fleet's ordinary retrain, where each entity's count wobbles by chance, passes.
 */
class EntityGateTest {
    private static final String ENTITIES = "abcdefghijklmnopqrst"; // 20 entities

    private static String[] keys(int n) {
        String[] k = new String[n];
        for (int i = 0; i < n; i++) {
            k[i] = String.valueOf(ENTITIES.charAt(i % ENTITIES.length()));
        }
        return k;
    }

    @Test
    void aChallengerThatFloodsOneEntityIsRejectedAndAnOrdinaryRetrainIsNot() {
        Random rnd = new Random(17);
        LowRankFleet fleet = new LowRankFleet(rnd);
        String[] ctx = keys(6000);
        ModelBundle v1 = VaeTrainer.train(new TrainingData(LowRankFleet.FEATURES, fleet.rows(ctx, rnd), ctx, "entity", "fleet"),
                TrainOptions.defaults().withEpochs(40).withBatch(64, 5e-3), new VaeTrainer.Identity("m", 1, null, Map.of()), null, null);
        String[] w = keys(10_000);
        TrainingData window = new TrainingData(LowRankFleet.FEATURES, fleet.rows(w, new Random(5)), w, "entity", "window");

        // An ordinary routine retrain of the whole fleet: 100 slice rows per entity, each count off by chance.
        ModelBundle v2 = Retrainer.trainChallenger(v1, window, 15, 100, 2, Map.of());
        Retrainer.Verdict ordinary = Retrainer.judge(v1, v2, window, Retrainer.Run.ROUTINE, 0.05, 0.01);
        System.out.println("entity gate, ordinary retrain: " + ordinary.reason() + " " + ordinary.figures());
        assertTrue(ordinary.published(), ordinary.reason());

        // The same challenger with entity e standardized a little off (as statistics refit on a biased
        // handful of its rows would be): e's alarms go from ~1% to ~17%, the slice's from 0.85% to 1.8%.
        ModelBundle broken = shifted(v2, 'e', 0.2);
        double before = fleet.flagRate(v2, "e", "e", 2000, 31);
        double after = fleet.flagRate(broken, "e", "e", 2000, 31);
        Retrainer.Verdict verdict = Retrainer.judge(v1, broken, window, Retrainer.Run.ROUTINE, 0.05, 0.01);
        Map<String, Double> f = verdict.figures();
        System.out.printf("entity gate, one entity flooded: e flagged %.3f -> %.3f; slice rate %.4f -> %.4f; %s%n", before, after,
                f.get("champion_anomaly_rate"), f.get("challenger_anomaly_rate"), verdict.reason());
        assertTrue(after > 0.1, "the broken challenger floods e: " + after);
        assertTrue(f.get("challenger_anomaly_rate") <= f.get("champion_anomaly_rate") + 0.01,
                "the slice's overall rate stays within its tolerance: only the per-entity check can see it");
        assertFalse(verdict.published());
        assertTrue(verdict.reason().startsWith("challenger flags ") && verdict.reason().contains(" of e's 100 newest records"),
                verdict.reason());

        // An operator's re-baseline accepts whatever the new normal flags: no rate check, per entity or not.
        assertTrue(Retrainer.judge(v1, broken, window, Retrainer.Run.ACCEPT_NEW_NORMAL, 0.05, 0.01).published());
    }

    @Test
    void aRiseIsJudgedAgainstWhatChanceAllowsAtThatCount() {
        // 100 rows, champion 1 flag: tolerance 1% + 3 standard errors of 1% at 100 rows = 3.98%.
        boolean[] champion = flags(100, 1);
        assertNull(Retrainer.worstEntityRise(keys("x", 100), champion, flags(100, 5), 0.01), "4 more flags: under 5, noise");
        Retrainer.EntityRise within = Retrainer.worstEntityRise(keys("x", 100), champion, flags(100, 6), 0.01);
        assertEquals(0.0398, within.tolerance(), 1e-4);
        assertTrue(within.excess() > 0, "5 more of 100 (5%) exceeds 3.98%");
        // 19 rows are too few to judge alone, however many are flagged.
        assertNull(Retrainer.worstEntityRise(keys("x", 19), flags(19, 0), flags(19, 19), 0.01));
        // 1,000 rows, champion 10 flags: 3 standard errors are 0.94%, so 19 more (1.9%) pass and 21 more fail.
        Retrainer.EntityRise big = Retrainer.worstEntityRise(keys("x", 1000), flags(1000, 10), flags(1000, 29), 0.01);
        assertTrue(big.excess() < 0, "19 more of 1,000: within " + big.tolerance());
        assertTrue(Retrainer.worstEntityRise(keys("x", 1000), flags(1000, 10), flags(1000, 31), 0.01).excess() > 0);
        // The worst of several entities is the one reported.
        String[] two = new String[200];
        boolean[] c = new boolean[200];
        boolean[] d = new boolean[200];
        for (int i = 0; i < 200; i++) {
            two[i] = i < 100 ? "x" : "y";
            d[i] = i < 100 ? i < 8 : i < 130;
        }
        assertEquals("y", Retrainer.worstEntityRise(two, c, d, 0.01).context());
    }

    private static String[] keys(String key, int n) {
        String[] k = new String[n];
        java.util.Arrays.fill(k, key);
        return k;
    }

    private static boolean[] flags(int n, int flagged) {
        boolean[] f = new boolean[n];
        for (int i = 0; i < flagged; i++) {
            f[i] = true;
        }
        return f;
    }

    /** A copy of {@code b} whose entity {@code key} is standardized with its mean moved by {@code scales} of its scale on every feature. */
    private static ModelBundle shifted(ModelBundle b, char key, double scales) {
        Manifest m = b.manifest();
        float[][] mean = java.util.Arrays.stream(m.normalization().mean()).map(float[]::clone).toArray(float[][]::new);
        float[][] scale = m.normalization().scale();
        int slot = m.context().vocabulary().indexOf(String.valueOf(key)) + 1;
        for (int j = 0; j < mean[slot].length; j++) {
            mean[slot][j] += (float) (scales * scale[slot][j]);
        }
        Manifest changed = new Manifest(m.name(), m.version(), m.parent(), m.createdAt(), m.features(), m.context(), m.architecture(),
                new Manifest.NormalizationSpec(m.normalization().mode(), mean, scale), m.scoring(), m.training(), m.validation(),
                m.libraries());
        return new ModelBundle(changed, b.weights());
    }
}
