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

    /**
     * Rare spikes far out (here ~17 training deviations, on two correlated features) must come back
     * from the latent as spikes: compression that flattens them to the input clip loses what a
     * user decodes the history for. The clip of 10 used before shows the test can fail. The feature
     * weights must still treat the spiking features as heavy-tailed (see WEIGHT_TAIL_FENCE).
     */
    @Test
    void spikesFarOutAreReconstructedNotFlattenedToTheClip() {
        double[][] x = Synthetic.lowRank(1500, 6, 2, 11);
        java.util.List<Integer> spikes = new java.util.ArrayList<>();
        for (int i = 0; i < x.length; i += 300) {
            x[i][0] += 50;
            x[i][1] += 50;
            spikes.add(i);
        }
        TrainingData data = new TrainingData(Synthetic.names(6), x, null, null, "test");
        TrainOptions o = Synthetic.fast().withEpochs(30).withTrimFraction(0);
        ModelBundle wide = Synthetic.train(data, o);
        ModelBundle clipped = Synthetic.train(data, o.withInputClip(10));
        assertEquals(Architecture.DEFAULT_INPUT_CLIP, wide.architecture().inputClip());
        double[] observed = standardizedSpike(wide, x, spikes, false);
        double[] wideBack = standardizedSpike(wide, x, spikes, true);
        double[] clippedBack = standardizedSpike(clipped, x, spikes, true);
        assertTrue(observed[0] > 14, "the spikes should be far out: " + observed[0] + " deviations");
        assertTrue(wideBack[0] > 0.8 * observed[0] && wideBack[1] > 0.8 * observed[1], "decoded spikes at "
                + java.util.Arrays.toString(wideBack) + " deviations, observed " + java.util.Arrays.toString(observed));
        assertTrue(clippedBack[0] < 11 && clippedBack[1] < 11, "at clip 10 they come back near 10: "
                + java.util.Arrays.toString(clippedBack));
        float[] w = wide.manifest().scoring().featureWeights();
        for (int j = 2; j < 6; j++) {
            assertTrue(w[0] < w[j] && w[1] < w[j], "spiking features must weigh less than calm ones: " + java.util.Arrays.toString(w));
        }
    }

    /** Mean over the spike rows of features 0 and 1, observed or decoded, in training deviations from the mean. */
    private static double[] standardizedSpike(ModelBundle b, double[][] x, java.util.List<Integer> rows, boolean decoded) {
        FastScorer s = new FastScorer(b);
        FastScorer.Scratch scratch = s.newScratch();
        Normalization n = b.normalization();
        double[] out = new double[2];
        for (int i : rows) {
            float[] row = new float[x[i].length];
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) x[i][j];
            }
            s.score(row, 0, scratch);
            for (int j = 0; j < 2; j++) {
                double v = decoded ? scratch.expected[j] : x[i][j];
                out[j] += (v - n.mean(0, j)) / n.scale(0, j) / rows.size();
            }
        }
        return out;
    }

    @Test
    void newContextSlotsStartAsTheUnknownSlotAndLeaveEveryOtherWeight() {
        // No encoder hidden layer on purpose: the context then feeds the mu and logvar heads directly.
        Architecture parent = new Architecture(5, 3, new int[0], 2, new int[] {4}, 0.01, 100);
        float[] w = VaeGraph.initialWeights(parent, 7);
        float[] grown = VaeTrainer.withContextSlots(parent, w, 2);
        Architecture child = parent.withContextWidth(5);
        assertEquals(child.weightCount(), grown.length);
        for (int l = 0; l < parent.layers().size(); l++) {
            Architecture.Layer a = parent.layers().get(l);
            Architecture.Layer b = child.layers().get(l);
            for (int r = 0; r < b.in(); r++) {
                // A row of a new slot is the unknown slot's row (context rows come last, slot 0 first).
                int src = r < a.in() ? r : a.in() - parent.contextWidth();
                for (int c = 0; c < b.out(); c++) {
                    assertEquals(w[a.weightOffset() + src * a.out() + c], grown[b.weightOffset() + r * b.out() + c], b.name() + " row " + r);
                }
            }
            for (int c = 0; c < b.out(); c++) {
                assertEquals(w[a.biasOffset() + c], grown[b.biasOffset() + c], b.name() + " bias");
            }
        }
        // Exactly the layers that take the context grew: mu, logvar (encoder input) and dec0 (decoder input).
        assertEquals(java.util.List.of("mu", "logvar", "dec0"), java.util.stream.IntStream.range(0, child.layers().size())
                .filter(l -> child.layers().get(l).in() != parent.layers().get(l).in()).mapToObj(l -> child.layers().get(l).name()).toList());
        assertArrayEquals(w, VaeTrainer.withContextSlots(parent, w, 0));
    }

    @Test
    void newContextsNeedTheirRowsAndComeMostRowsFirst() {
        String[] ctx = {"z", "y", "y", "a", "z", "y", null, "x", "a", "a", "z"};
        // a is known; y and z have 3 rows each (ties by name), x 1; null is never a context.
        assertEquals(java.util.List.of("y", "z"), VaeTrainer.newContexts(java.util.List.of("a"), ctx, 2));
        assertEquals(java.util.List.of("y", "z", "x"), VaeTrainer.newContexts(java.util.List.of("a"), ctx, 1));
        assertEquals(java.util.List.of(), VaeTrainer.newContexts(java.util.List.of("a"), ctx, 0), "0 turns it off");
        assertEquals(java.util.List.of(), VaeTrainer.newContexts(java.util.List.of("a"), null, 1), "a plain model has no contexts");
    }

    @Test
    void rehearsalTopsUpSparseKnownSlotsWithinTheBudget() {
        // A parent that knows 200 entities; a window that holds 100 rows of "e000", 10 of "e001", none of the rest.
        int entities = 200;
        double[][] x = Synthetic.lowRank(2000, 4, 2, 5);
        String[] ctx = new String[x.length];
        for (int i = 0; i < ctx.length; i++) {
            ctx[i] = String.format("e%03d", i % entities);
        }
        ModelBundle parent = Synthetic.train(new TrainingData(Synthetic.names(4), x, ctx, "entity", "test"), Synthetic.fast().withEpochs(2));
        Normalization norm = parent.normalization();
        int[] window = new int[110];
        for (int i = 0; i < window.length; i++) {
            window[i] = i < 100 ? 1 : 2;
        }
        VaeTrainer.Rehearsal r = VaeTrainer.Rehearsal.of(parent, Normalization.rowsPerSlot(window, norm.rows()), window.length, norm, 100f, 42);
        // Wanted: e001 90 rows, the 198 absent ones 100 each (the well-sampled median), capped at the 110 real rows.
        assertTrue(r.slots().length > 70 && r.slots().length < 150, "about the budget of 110 rows: " + r.slots().length);
        assertTrue(java.util.Arrays.stream(r.slots()).noneMatch(sl -> sl == 0 || sl == 1), "not the unknown or a well-sampled slot");
        assertEquals(r.slots().length, r.x().length);
        // Uncapped: a (100 rows) and c (40) well sampled, b sparse (10): b gets 90 rows, the median minus its own.
        ModelBundle small = Synthetic.train(new TrainingData(Synthetic.names(4), x, Synthetic.contexts(x, 2), "entity", "test"),
                Synthetic.fast().withEpochs(2));
        int[] w2 = new int[150];
        for (int i = 0; i < w2.length; i++) {
            w2[i] = i < 100 ? 1 : i < 110 ? 2 : 3;
        }
        VaeTrainer.Rehearsal r2 = VaeTrainer.Rehearsal.of(small, Normalization.rowsPerSlot(w2, 4), w2.length, small.normalization(), 100f, 42);
        assertEquals(90, r2.slots().length);
        assertTrue(java.util.Arrays.stream(r2.slots()).allMatch(sl -> sl == 2));
        // Nobody well sampled: nothing to size the rehearsal on.
        assertEquals(0, VaeTrainer.Rehearsal.of(small, new int[] {0, 1, 2, 0}, 3, small.normalization(), 100f, 42).slots().length);
    }
}
