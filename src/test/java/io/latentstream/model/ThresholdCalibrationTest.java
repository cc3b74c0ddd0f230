package io.latentstream.model;

import io.latentstream.topology.TestModels;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ThresholdCalibrationTest {
    private static final Instant NOW = Instant.parse("2026-11-27T15:00:00Z");

    /** Heavy-tailed, like reconstruction errors: a few large scores. */
    private static double[] scores(int n, long seed) {
        Random rnd = new Random(seed);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.exp(rnd.nextGaussian());
        }
        return s;
    }

    @Test
    void aRateCalibratedOnScoresFlagsThatShareOfThemAndOfNewOnes() throws Exception {
        ModelBundle v1 = TestModels.golden();
        double[] live = scores(20_000, 1);
        ModelBundle v2 = ThresholdCalibration.calibrated(v1, live, 0.005, 2, NOW, "v1's weights; threshold for 0.5% of the test's");
        assertEquals(100, ThresholdCalibration.flagged(v2, live), "0.5% of 20,000");
        double[] later = scores(200_000, 2); // more records of the same stream: the same share, within sampling noise
        double share = (double) ThresholdCalibration.flagged(v2, later) / later.length;
        assertTrue(Math.abs(share - 0.005) < 0.0015, "flags " + share + " of new records");

        Manifest m = v2.manifest();
        assertEquals(2, m.version());
        assertEquals(1L, m.parent(), "the version it was set on");
        assertEquals(NOW.toString(), m.createdAt());
        assertEquals(0.995, m.scoring().quantile(), 1e-12, "the rate the retrainer keeps calibrating to");
        assertEquals(1.0, m.scoring().sensitivity());
        assertEquals(m.scoring().threshold(), m.validation().get("threshold"));
        assertEquals(0.005, m.validation().get("anomaly_rate"), 1e-12);
        assertEquals("v1's weights; threshold for 0.5% of the test's", m.training().window().get(ThresholdCalibration.WINDOW_NOTE));
        assertEquals(v1.manifest().training().sampleCount(), m.training().sampleCount());
        assertArrayEquals(v1.weights(), v2.weights(), "same weights");
        assertArrayEquals(v1.manifest().scoring().featureWeights(), m.scoring().featureWeights());

        // It scores every record exactly as its parent: only the decision changes. And it survives the codec.
        ModelBundle read = BundleCodec.read(BundleCodec.write(v2), BundleCodec.DEFAULT_MAX_BYTES);
        FastScorer a = new FastScorer(v1);
        FastScorer b = new FastScorer(read);
        float[] x = {0.3f, -1.2f, 2.5f, 0.1f, 7.0f};
        assertEquals(a.score(x, 1, a.newScratch()), b.score(x, 1, b.newScratch()));
        assertEquals(m.scoring().threshold(), b.threshold());
    }

    @Test
    void bothDirectionsSplitTheRateOverTheTwoTails() {
        ModelBundle v1 = TestModels.golden();
        Manifest.ScoringSpec s = v1.manifest().scoring();
        ModelBundle both = new ModelBundle(v1.manifest().withScoring(new Manifest.ScoringSpec(s.threshold(), s.lowThreshold(),
                s.quantile(), "both", 1.0, s.featureWeights())), v1.weights());
        double[] live = scores(10_000, 3);
        ModelBundle v2 = ThresholdCalibration.calibrated(both, live, 0.02, 2, NOW, "n");
        assertEquals(200, ThresholdCalibration.flagged(v2, live));
        assertEquals(0.99, v2.manifest().scoring().quantile(), 1e-12);
        long high = java.util.Arrays.stream(live).filter(x -> x > v2.manifest().scoring().threshold()).count();
        assertEquals(100, high, "half above");
    }

    @Test
    void aSensitivityKeepsTheCalibrationAndMovesTheLine() {
        ModelBundle v1 = TestModels.golden();
        ModelBundle v2 = ThresholdCalibration.withSensitivity(v1, 0.5, 7, NOW, "v1's weights; sensitivity 0.5");
        Manifest.ScoringSpec s = v2.manifest().scoring();
        assertEquals(v1.manifest().scoring().threshold(), s.threshold());
        assertEquals(v1.manifest().scoring().quantile(), s.quantile());
        assertEquals(0.5, s.sensitivity());
        assertEquals(2 * s.threshold(), new FastScorer(v2).threshold(), 1e-9, "half as sensitive: twice the score to flag");
        assertEquals(7, v2.version());
        assertEquals(v1.manifest().validation(), v2.manifest().validation());
    }

    @Test
    void refusesWhatCannotBeARate() {
        ModelBundle v1 = TestModels.golden();
        double[] live = scores(100, 4);
        assertThrows(IllegalArgumentException.class, () -> ThresholdCalibration.calibrated(v1, live, 0, 2, NOW, "n"));
        assertThrows(IllegalArgumentException.class, () -> ThresholdCalibration.calibrated(v1, live, 0.6, 2, NOW, "n"));
        assertThrows(IllegalArgumentException.class, () -> ThresholdCalibration.calibrated(v1, new double[0], 0.1, 2, NOW, "n"));
        assertThrows(IllegalArgumentException.class, () -> ThresholdCalibration.withSensitivity(v1, 0, 2, NOW, "n"));
    }
}
