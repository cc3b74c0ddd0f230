package io.latentstream.model;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VaeTrainerTest {
    @Test
    void sameSeedAndDataGiveTheSameModel() {
        double[][] x = Synthetic.lowRank(300, 6, 2, 1);
        TrainingData data = new TrainingData(Synthetic.names(6), x, null, null, "test");
        ModelBundle a = Synthetic.train(data, Synthetic.fast().withEpochs(4).withSeed(9));
        ModelBundle b = Synthetic.train(data, Synthetic.fast().withEpochs(4).withSeed(9));
        assertArrayEquals(a.weights(), b.weights());
        assertEquals(a.manifest().scoring().threshold(), b.manifest().scoring().threshold());
        ModelBundle c = Synthetic.train(data, Synthetic.fast().withEpochs(4).withSeed(10));
        assertTrue(!java.util.Arrays.equals(a.weights(), c.weights()), "another seed must give another model");
    }

    /**
     * A plain autoencoder has no pull on its codes; the VAE's KL term pulls q(z|x) towards N(0, I).
     * Raising β must move the training set's latent codes towards mean 0 and variance 1.
     */
    @Test
    void klTermPullsLatentCodesTowardsStandardNormal() {
        double[][] x = Synthetic.lowRank(600, 8, 2, 2);
        TrainingData data = new TrainingData(Synthetic.names(8), x, null, null, "test");
        double low = distanceFromStandardNormal(Synthetic.train(data, Synthetic.fast().withBeta(0.0001)), x);
        double high = distanceFromStandardNormal(Synthetic.train(data, Synthetic.fast().withBeta(2.0)), x);
        assertTrue(high < low, "β=2 codes should be closer to N(0,1) than β=0.0001 codes: " + high + " vs " + low);
    }

    /** Σ over latent dims of mean² + (var − 1)² of μ(x) over the rows. */
    static double distanceFromStandardNormal(ModelBundle b, double[][] x) {
        FastScorer s = new FastScorer(b);
        FastScorer.Scratch scratch = s.newScratch();
        int k = s.latentDim();
        double[] sum = new double[k];
        double[] sq = new double[k];
        float[] row = new float[x[0].length];
        for (double[] r : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) r[j];
            }
            s.score(row, 0, scratch);
            for (int t = 0; t < k; t++) {
                sum[t] += scratch.latent[t];
                sq[t] += scratch.latent[t] * scratch.latent[t];
            }
        }
        double dist = 0;
        for (int t = 0; t < k; t++) {
            double mean = sum[t] / x.length;
            double var = sq[t] / x.length - mean * mean;
            dist += mean * mean + (var - 1) * (var - 1);
        }
        return dist;
    }

    @Test
    void conditionalModelUsesItsContextAndScoresUnknownContexts() {
        double[][] x = Synthetic.lowRank(900, 6, 2, 3);
        String[] ctx = Synthetic.contexts(x, 4);
        TrainingData data = new TrainingData(Synthetic.names(6), x, ctx, "entity", "test");
        ModelBundle b = Synthetic.train(data, Synthetic.fast().withEpochs(30));
        assertNotNull(b.manifest().context());
        assertEquals(java.util.List.of("a", "b", "c"), b.manifest().context().vocabulary());
        FastScorer s = new FastScorer(b);
        FastScorer.Scratch scratch = s.newScratch();
        int rightHigher = 0;
        int n = 0;
        for (int i = 0; i < x.length; i++) {
            if (!ctx[i].equals("a")) {
                continue;
            }
            float[] row = new float[6];
            for (int j = 0; j < 6; j++) {
                row[j] = (float) x[i][j];
            }
            double right = s.score(row, s.contextSlot("a"), scratch);
            double wrong = s.score(row, s.contextSlot("c"), scratch);
            double unknown = s.score(row, s.contextSlot("never-seen"), scratch);
            assertTrue(Double.isFinite(unknown));
            if (wrong > right) {
                rightHigher++;
            }
            n++;
        }
        assertTrue(rightHigher > 0.95 * n, "a row scored with a false context must look anomalous: " + rightHigher + "/" + n);
        assertEquals(0, s.contextSlot("never-seen"));
    }

    @Test
    void robustTrainingKeepsInjectedAnomaliesAnomalous() {
        double[][] clean = Synthetic.lowRank(1000, 8, 2, 5);
        double[][] x = new double[1000][];
        java.util.Random rnd = new java.util.Random(6);
        boolean[] bad = new boolean[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = clean[i].clone();
            if (i % 20 == 0) { // 5% contamination: one shifted cluster
                bad[i] = true;
                for (int j = 0; j < 8; j++) {
                    x[i][j] += 6 + rnd.nextGaussian();
                }
            }
        }
        TrainingData data = new TrainingData(Synthetic.names(8), x, null, null, "test");
        java.util.List<int[]> refits = new java.util.ArrayList<>();
        VaeTrainer.Progress progress = new VaeTrainer.Progress() {
            @Override
            public void epoch(int epoch, int maxEpochs, double trainLoss, double validationLoss, boolean improved, double elapsed) {
            }

            @Override
            public void refit(int keptRows, int excludedRows, double validationLoss) {
                refits.add(new int[] {keptRows, excludedRows});
            }
        };
        ModelBundle b = VaeTrainer.train(data, Synthetic.fast().withEpochs(40).withTrimFraction(0.1),
                new VaeTrainer.Identity("t", 1, null, null), null, progress);
        assertEquals(1, refits.size(), "robust training reports its refit once");
        assertTrue(refits.get(0)[1] > 0, "the shifted cluster's training rows are left out of the refit: " + refits.get(0)[1]);
        FastScorer s = new FastScorer(b);
        double[] scores = s.scoreAll(x, null);
        int flagged = 0;
        int anomalies = 0;
        for (int i = 0; i < x.length; i++) {
            if (bad[i]) {
                anomalies++;
                if (s.isAnomaly(scores[i])) {
                    flagged++;
                }
            }
        }
        assertTrue(flagged > 0.8 * anomalies, "trimmed training must not learn the anomalies as normal: flagged "
                + flagged + "/" + anomalies);
    }
}
