package io.latentstream.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plain-Java forward pass equals the DL4J graph that trains the weights. Tolerance: for every
 * latent, expected value and score, |fast − dl4j| ≤ 1e-4 · (|dl4j| + 1): relative 1e-4 for values of
 * magnitude above 1, absolute 1e-4 below (float32 sums in a different order).
 */
class FastScorerEquivalenceTest {
    static final double TOL = 1e-4;

    record Case(String name, int d, int[] hidden, int latent, boolean conditional) {
    }

    @Test
    void matchesDl4jOnRandomInputsForSeveralArchitectures() {
        List<Case> cases = List.of(
                new Case("vae d=9 default", 9, null, 0, false),
                new Case("vae d=20 one hidden", 20, new int[] {12}, 4, false),
                new Case("vae d=6 no hidden", 6, new int[0], 2, false),
                new Case("cvae d=8 default", 8, null, 0, true),
                new Case("cvae d=30 deep", 30, new int[] {40, 20, 10}, 5, true));
        for (Case c : cases) {
            double[][] x = Synthetic.lowRank(400, c.d(), 3, c.d());
            String[] ctx = c.conditional() ? Synthetic.contexts(x, 1) : null;
            TrainOptions o = Synthetic.fast().withEpochs(3).withArchitecture(c.latent(), c.hidden());
            ModelBundle b = Synthetic.train(new TrainingData(Synthetic.names(c.d()), x, ctx, c.conditional() ? "e" : null, "t"), o);
            Random rnd = new Random(5);
            float[][] rows = new float[200][c.d()];
            int[] slots = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < c.d(); j++) {
                    // in-distribution rows, wild rows (clipped path) and everything between
                    rows[i][j] = (float) (i % 4 == 0 ? x[i][j] : 10 + rnd.nextGaussian() * (i % 4) * 5);
                }
                slots[i] = c.conditional() ? i % 4 : 0; // includes slot 0 (unknown)
            }
            compare(c.name(), b, rows, c.conditional() ? slots : null);
        }
    }

    /** The benchmark's DL4J baseline (MultiLayerNetwork.output()) computes the same reconstruction. */
    @Test
    void networkBaselineMatchesTheFastScorer() {
        double[][] x = Synthetic.lowRank(300, 12, 3, 2);
        ModelBundle b = Synthetic.train(new TrainingData(Synthetic.names(12), x, null, null, "t"), Synthetic.fast().withEpochs(3));
        Dl4jNetworkBaseline net = new Dl4jNetworkBaseline(b);
        FastScorer s = new FastScorer(b);
        FastScorer.Scratch scratch = s.newScratch();
        Normalization norm = b.normalization();
        float[][] rows = new float[50][12];
        float[][] standardized = new float[50][12];
        for (int i = 0; i < 50; i++) {
            for (int j = 0; j < 12; j++) {
                rows[i][j] = (float) x[i][j];
                standardized[i][j] = (rows[i][j] - norm.mean(0, j)) / norm.scale(0, j);
            }
        }
        float[][] out = net.output(net.input(standardized)).toFloatMatrix();
        for (int i = 0; i < 50; i++) {
            s.score(rows[i], 0, scratch);
            for (int j = 0; j < 12; j++) {
                float expectedStd = (scratch.expected[j] - norm.mean(0, j)) / norm.scale(0, j);
                assertEquals(out[i][j], expectedStd, TOL * (Math.abs(out[i][j]) + 1), "row " + i + " feature " + j);
            }
        }
    }

    @Test
    void matchesDl4jOnSharedDataRows() throws IOException {
        Path shuttle = Path.of("../shared/data/shuttle.csv");
        Path olive = Path.of("../shared/data/olive.csv");
        if (Files.exists(shuttle) && Files.exists(olive)) {
            compareOnCsv(shuttle, null);
            compareOnCsv(olive, "context");
        } else {
            // Fallback when the shared data is absent: generated rows with the same shapes.
            double[][] x = Synthetic.lowRank(500, 9, 3, 11);
            ModelBundle b = Synthetic.train(new TrainingData(Synthetic.names(9), x, null, null, "t"), Synthetic.fast().withEpochs(3));
            compare("generated d=9", b, toFloat(x), null);
        }
    }

    private void compareOnCsv(Path file, String contextColumn) throws IOException {
        var data = io.latentstream.eval.LabelledCsv.read(file, contextColumn, "label");
        int n = Math.min(2000, data.rows());
        var subset = data.subset(java.util.stream.IntStream.range(0, n).toArray());
        ModelBundle b = Synthetic.train(new TrainingData(subset.features(), subset.x(), subset.contexts(), contextColumn, file.toString()),
                Synthetic.fast().withEpochs(3));
        FastScorer s = new FastScorer(b);
        int[] slots = null;
        if (contextColumn != null) {
            slots = new int[n];
            for (int i = 0; i < n; i++) {
                slots[i] = s.contextSlot(subset.contexts()[i]);
            }
        }
        compare(file.getFileName().toString(), b, toFloat(subset.x()), slots);
    }

    private static float[][] toFloat(double[][] x) {
        float[][] f = new float[x.length][x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                f[i][j] = (float) x[i][j];
            }
        }
        return f;
    }

    /** Both kernels (the vector one must be present: surefire adds jdk.incubator.vector), one row and batched. */
    static double compare(String name, ModelBundle b, float[][] rows, int[] slots) {
        assertTrue(DenseKernel.vector().isPresent(), "tests run with --add-modules jdk.incubator.vector (see pom.xml)");
        Dl4jReference ref = new Dl4jReference(b);
        Dl4jReference.Output o = ref.forward(rows, slots);
        double worst = 0;
        for (DenseKernel kernel : List.of(new ScalarDenseKernel(), DenseKernel.vector().get())) {
            String what = name + " [" + kernel.describe() + "]";
            FastScorer s = new FastScorer(b, kernel);
            FastScorer.Scratch scratch = s.newScratch();
            int k = s.latentDim();
            int d = s.inputDim();
            for (int i = 0; i < rows.length; i++) {
                double score = s.score(rows[i], slots == null ? 0 : slots[i], scratch);
                worst = Math.max(worst, check(what + " score row " + i, o.scores()[i], score));
                for (int t = 0; t < k; t++) {
                    worst = Math.max(worst, check(what + " latent row " + i, o.latent()[i][t], scratch.latent[t]));
                }
                for (int j = 0; j < d; j++) {
                    worst = Math.max(worst, check(what + " expected row " + i, o.expected()[i][j], scratch.expected[j]));
                }
            }
            // Batched: several tiles of rows and a ragged last one (row count not a multiple of 4 or the tile).
            int count = rows.length - 3;
            FastScorer.Batch batch = s.newBatch(count);
            s.scoreBatch(rows, slots, count, batch);
            for (int i = 0; i < count; i++) {
                worst = Math.max(worst, check(what + " batch score row " + i, o.scores()[i], batch.scores[i]));
                for (int t = 0; t < k; t++) {
                    worst = Math.max(worst, check(what + " batch latent row " + i, o.latent()[i][t], batch.latents[i * k + t]));
                }
                for (int j = 0; j < d; j++) {
                    worst = Math.max(worst, check(what + " batch expected row " + i, o.expected()[i][j], batch.expected[i * d + j]));
                }
            }
        }
        assertTrue(worst <= TOL, name + ": worst relative difference " + worst);
        return worst;
    }

    private static double check(String what, double dl4j, double fast) {
        double rel = Math.abs(fast - dl4j) / (Math.abs(dl4j) + 1);
        if (rel > TOL) {
            assertEquals(dl4j, fast, TOL * (Math.abs(dl4j) + 1), what);
        }
        return rel;
    }
}
