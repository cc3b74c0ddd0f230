package io.latentstream.bench;

import io.latentstream.model.Architecture;
import io.latentstream.model.Manifest;
import io.latentstream.model.ModelBundle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Bundles with random weights at the default architecture (speed does not depend on training). */
final class BenchModels {
    private BenchModels() {
    }

    static ModelBundle randomBundle(int d, long seed) {
        Architecture a = Architecture.defaults(d, 0);
        Random rnd = new Random(seed);
        float[] w = new float[(int) a.weightCount()];
        for (Architecture.Layer l : a.layers()) {
            double limit = Math.sqrt(6.0 / (l.in() + l.out()));
            for (int i = 0; i < l.in() * l.out(); i++) {
                w[l.weightOffset() + i] = (float) ((rnd.nextDouble() * 2 - 1) * limit);
            }
        }
        List<String> names = new ArrayList<>();
        float[][] mean = new float[1][d];
        float[][] scale = new float[1][d];
        for (int j = 0; j < d; j++) {
            names.add("f" + j);
            scale[0][j] = 1f;
        }
        Manifest m = new Manifest("bench", 1, null, "2026-01-01T00:00:00Z", names, null,
                new Manifest.ArchitectureSpec("leakyrelu", a.encoderHidden(), a.latentDim(), a.decoderHidden(), a.leak(), a.inputClip()),
                new Manifest.NormalizationSpec("global", mean, scale),
                new Manifest.ScoringSpec(1.0, 0.0, 0.99, "above", 1.0, null),
                new Manifest.TrainingSpec("bench", Map.of(), 0, 0, seed, 0, 0, 0, 0.01, 0, 0), Map.of(), Map.of());
        return new ModelBundle(m, w);
    }

    static float[][] rows(int n, int d, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[n][d];
        for (float[] r : x) {
            for (int j = 0; j < d; j++) {
                r[j] = (float) rnd.nextGaussian();
            }
        }
        return x;
    }
}
