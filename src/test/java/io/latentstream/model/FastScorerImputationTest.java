package io.latentstream.model;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A record without some of its features: imputed by the model, scored on the rest. */
class FastScorerImputationTest {
    static final int D = 9;
    static double[][] fresh;
    static FastScorer scorer;

    @BeforeAll
    static void train() {
        double[][] all = Synthetic.lowRank(6_000, D, 2, 11);
        fresh = Arrays.copyOfRange(all, 4_000, 6_000);
        ModelBundle model = Synthetic.train(new TrainingData(Synthetic.names(D), Arrays.copyOfRange(all, 0, 4_000), null, null, "t"),
                Synthetic.fast());
        scorer = new FastScorer(model);
    }

    static float[] row(double[] x) {
        float[] r = new float[x.length];
        for (int j = 0; j < r.length; j++) {
            r[j] = (float) x[j];
        }
        return r;
    }

    @Test
    void withNothingMissingItIsTheScore() {
        FastScorer.Scratch a = scorer.newScratch();
        FastScorer.Scratch b = scorer.newScratch();
        for (int i = 0; i < 50; i++) {
            float[] x = row(fresh[i]);
            assertEquals(scorer.score(x, 0, a), scorer.scoreImputing(x, 0, b));
            assertTrue(Arrays.equals(a.latent, b.latent) && Arrays.equals(a.expected, b.expected));
        }
    }

    @Test
    void aMissingFeatureIsImputedFromTheOthersFarBetterThanItsMean() {
        FastScorer.Scratch s = scorer.newScratch();
        double[] mean = new double[D];
        for (double[] x : fresh) {
            for (int j = 0; j < D; j++) {
                mean[j] += x[j] / fresh.length;
            }
        }
        Random rnd = new Random(3);
        double imputedSq = 0;
        double meanSq = 0;
        for (double[] truth : fresh) {
            float[] x = row(truth);
            int hidden = rnd.nextInt(D);
            x[hidden] = Float.NaN;
            double score = scorer.scoreImputing(x, 0, s);
            assertEquals(0f, s.contributions[hidden]);
            double sum = 0;
            for (float c : s.contributions) {
                sum += c;
            }
            assertEquals(score * (D - 1), sum, 1e-4 * Math.max(1, sum));
            imputedSq += Math.pow(s.expected[hidden] - truth[hidden], 2);
            meanSq += Math.pow(mean[hidden] - truth[hidden], 2);
        }
        double ratio = Math.sqrt(imputedSq / meanSq);
        // Two factors drive nine features: the other eight pin the hidden one down to the noise.
        assertTrue(ratio < 0.25, "imputation error / mean-fill error = " + ratio);
    }

    @Test
    void normalRecordsWithAFeatureMissingStayNormalAndAnAnomalyInTheRestIsStillFlagged() {
        FastScorer.Scratch s = scorer.newScratch();
        Random rnd = new Random(5);
        int normalFlags = 0;
        int caught = 0;
        for (double[] truth : fresh) {
            float[] x = row(truth);
            x[rnd.nextInt(D)] = Float.NaN;
            normalFlags += scorer.isAnomaly(scorer.scoreImputing(x, 0, s)) ? 1 : 0;
            int present = 0;
            while (Float.isNaN(x[present])) {
                present++;
            }
            x[present] += 8; // several deviations off the pattern
            caught += scorer.isAnomaly(scorer.scoreImputing(x, 0, s)) ? 1 : 0;
        }
        // Calibrated at the 0.99 quantile of whole records: about 1% with one feature missing too.
        assertTrue(normalFlags <= 0.03 * fresh.length, "normal records flagged with a feature missing: " + normalFlags);
        assertTrue(caught >= 0.95 * fresh.length, "anomalies caught with a feature missing: " + caught);
    }

    @Test
    void theScalarKernelImputesAsTheVectorOneDoes() {
        java.util.Optional<DenseKernel> vector = DenseKernel.vector();
        org.junit.jupiter.api.Assumptions.assumeTrue(vector.isPresent(), "jdk.incubator.vector is not in this JVM");
        FastScorer v = new FastScorer(scorer.bundle(), vector.get());
        FastScorer s = new FastScorer(scorer.bundle(), new ScalarDenseKernel());
        FastScorer.Scratch vs = v.newScratch();
        FastScorer.Scratch ss = s.newScratch();
        for (int i = 0; i < 100; i++) {
            float[] x = row(fresh[i]);
            x[i % D] = Float.NaN;
            x[(i + 4) % D] = Float.NaN;
            double a = v.scoreImputing(x, 0, vs);
            double b = s.scoreImputing(x, 0, ss);
            assertEquals(a, b, 1e-3 * Math.max(1, a), "row " + i);
            for (int j = 0; j < D; j++) {
                assertEquals(vs.expected[j], ss.expected[j], 1e-3 * Math.max(1, Math.abs(vs.expected[j])), "row " + i + " feature " + j);
            }
        }
    }

    @Test
    void rowDotsIsTheTransposedProductInBothKernels() {
        Random rnd = new Random(9);
        int n = 5;
        int o = 32;
        float[] w = new float[n * o];
        float[] g = new float[o];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        for (int j = 0; j < o; j++) {
            g[j] = (float) rnd.nextGaussian();
        }
        List<DenseKernel> kernels = new java.util.ArrayList<>(List.of(new ScalarDenseKernel()));
        DenseKernel.vector().ifPresent(kernels::add);
        for (DenseKernel kernel : kernels) {
            float[] out = new float[n];
            kernel.rowDots(w, n, o, g, out);
            for (int i = 0; i < n; i++) {
                double expected = 0;
                for (int j = 0; j < o; j++) {
                    expected += w[i * o + j] * g[j];
                }
                assertEquals(expected, out[i], 1e-4, kernel.describe() + " row " + i);
            }
        }
    }

    @Test
    void aRecordLackingFeaturesIsJudgedOnlyAgainstTheUpperThreshold() {
        ModelBundle b = scorer.bundle();
        Manifest.ScoringSpec sp = b.manifest().scoring();
        for (String direction : List.of("both", "below")) {
            // A lower threshold above every score: under "below" each whole record is flagged as too regular.
            Manifest.ScoringSpec low = new Manifest.ScoringSpec(sp.threshold(), 1e9, sp.quantile(), direction, 1.0, sp.featureWeights());
            FastScorer f = new FastScorer(new ModelBundle(b.manifest().withScoring(low), b.weights()));
            FastScorer.Scratch s = f.newScratch();
            float[] x = row(fresh[0]);
            assertTrue(f.isAnomaly(f.score(x, 0, s)), direction + ": the whole record is below the lower threshold");
            x[3] = Float.NaN;
            double partial = f.scoreImputing(x, 0, s);
            assertTrue(!f.isAnomalyImputed(partial), direction + ": a record lacking a feature is not judged too regular");
            assertEquals(direction.equals("both"), f.isAnomalyImputed(f.threshold() * 2), direction + ": above the upper threshold");
        }
    }

    @Test
    void everyFeatureMissingIsRefused() {
        float[] x = new float[D];
        Arrays.fill(x, Float.NaN);
        assertThrows(IllegalArgumentException.class, () -> scorer.scoreImputing(x, 0, scorer.newScratch()));
    }
}
