package io.latentstream.retrain;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DriftStatisticsTest {
    static final double[] MEAN = {0, 0, 0};
    static final double[] VAR = {1, 1, 1};

    /** Feeds one second of traffic: n scores (share flagged) and n latents drawn around shift. */
    static void second(DriftStatistics s, long t, int n, double flaggedShare, double shift, Random rnd) {
        for (int i = 0; i < n; i++) {
            s.score(t, rnd.nextDouble() < flaggedShare);
            s.latent(t, new float[] {(float) (rnd.nextGaussian() + shift), (float) rnd.nextGaussian(), (float) rnd.nextGaussian()}, MEAN, VAR);
        }
    }

    /** The drift monitor's way (a frame per scored record, an anomaly record per flagged one) measures the same rate. */
    @Test
    void framesPlusFlaggedRecordsGiveTheSameRateAsScoreRecords() {
        DriftStatistics viaScores = new DriftStatistics(10_000, 5_000, 5, 0);
        DriftStatistics viaFrames = new DriftStatistics(10_000, 5_000, 5, 0);
        Random rnd = new Random(4);
        for (long t = 0; t < 20_000; t += 1000) {
            for (int i = 0; i < 300; i++) {
                boolean flagged = rnd.nextDouble() < (t >= 10_000 ? 0.2 : 0.01);
                viaScores.score(t, flagged);
                viaFrames.score(t, false);
                if (flagged) {
                    viaFrames.flagged(t);
                }
            }
            assertEquals(viaScores.drifting(t, 0.01), viaFrames.drifting(t, 0.01), "at " + t);
            assertEquals(viaScores.rate(), viaFrames.rate(), 1e-12, "at " + t);
        }
        assertTrue(viaFrames.rate() > 0.1, "rate " + viaFrames.rate());
    }

    @Test
    void calmTrafficNeverDrifts() {
        DriftStatistics s = new DriftStatistics(10_000, 5_000, 5, 4);
        Random rnd = new Random(1);
        for (long t = 0; t < 60_000; t += 1000) {
            second(s, t, 200, 0.01, 0, rnd);
            assertFalse(s.drifting(t, 0.01), "at " + t);
        }
        assertEquals(1.0, s.latentDistance(), 0.15);
    }

    @Test
    void anomalyRateDriftFiresOnlyAfterTheDuration() {
        DriftStatistics s = new DriftStatistics(10_000, 5_000, 5, 0);
        Random rnd = new Random(2);
        long firedAt = -1;
        for (long t = 0; t < 30_000 && firedAt < 0; t += 1000) {
            second(s, t, 200, t >= 10_000 ? 0.3 : 0.01, 0, rnd);
            if (s.drifting(t, 0.01)) {
                firedAt = t;
            }
        }
        assertTrue(firedAt >= 15_000 && firedAt <= 18_000, "fired at " + firedAt);
        assertEquals("anomaly-rate", s.reason());
        assertFalse(s.drifting(firedAt + 1000, 0.01), "quiet for a window after firing");
    }

    @Test
    void latentDistributionDriftIsDetectedWithoutAnyFlaggedRecord() {
        DriftStatistics s = new DriftStatistics(10_000, 3_000, 5, 4);
        Random rnd = new Random(3);
        boolean fired = false;
        for (long t = 0; t < 40_000 && !fired; t += 1000) {
            second(s, t, 200, 0.0, t >= 10_000 ? 4.0 : 0.0, rnd); // one latent dimension moves by 4 sigma
            fired = s.drifting(t, 0.01);
        }
        assertTrue(fired);
        assertEquals("latent-distribution", s.reason());
    }

    @Test
    void anAnomalyFlaggedOnlyForAStuckSensorIsNotPartOfTheModelsRate() {
        // The processor marks those (ScoringTopologyTest); the drift watch must skip exactly those.
        org.apache.kafka.common.header.internals.RecordHeaders byScore = new org.apache.kafka.common.header.internals.RecordHeaders();
        byScore.add(io.latentstream.topology.DeadLetterHeaders.MODEL_VERSION, "3".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        org.junit.jupiter.api.Assertions.assertTrue(DriftMonitor.flaggedByModel(byScore));
        byScore.add(io.latentstream.topology.DeadLetterHeaders.FLAGGED_BY, "stuck".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        org.junit.jupiter.api.Assertions.assertFalse(DriftMonitor.flaggedByModel(byScore));
    }
}
