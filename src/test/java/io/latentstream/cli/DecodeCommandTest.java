package io.latentstream.cli;

import io.latentstream.codec.LatentFrame;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** decode gives back the records within the NRMSE the bundle reports, and refuses frames of unknown versions. */
class DecodeCommandTest {
    @TempDir
    Path dir;

    @Test
    void decodedRecordsAreWithinTheReportedError() throws Exception {
        Random rnd = new Random(4);
        int n = 1500;
        int d = 6;
        double[][] x = new double[n][d];
        for (double[] row : x) {
            double a = rnd.nextGaussian();
            double b = rnd.nextGaussian();
            for (int j = 0; j < d; j++) {
                row[j] = 5 + (j % 2 == 0 ? a : b) * (1 + j) + 0.05 * rnd.nextGaussian();
            }
        }
        ModelBundle bundle = VaeTrainer.train(new TrainingData(List.of("a", "b", "c", "e", "f", "g"), x, null, null, "t"),
                TrainOptions.defaults().withEpochs(60).withTrimFraction(0), new VaeTrainer.Identity("default", 3, null, null), null, null);
        Path model = dir.resolve("m.lsb");
        BundleCodec.write(bundle, model);
        FastScorer s = new FastScorer(bundle);
        FastScorer.Scratch scratch = s.newScratch();
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        int m = 300;
        for (int i = 0; i < m; i++) {
            float[] row = new float[d];
            for (int j = 0; j < d; j++) {
                row[j] = (float) x[i][j];
            }
            s.score(row, 0, scratch);
            frames.write(LatentFrame.encode(bundle.version(), scratch.latent, s.latentDim(), LatentFrame.Encoding.F16));
        }
        Path file = dir.resolve("frames.bin");
        Files.write(file, frames.toByteArray());

        CliTest.Result r = CliTest.run("decode", "--model", model.toString(), "--file", file.toString());
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals("model_version,a,b,c,e,f,g", lines[0]);
        assertEquals(m + 1, lines.length);
        double sq = 0;
        for (int i = 0; i < m; i++) {
            String[] f = lines[i + 1].split(",");
            assertEquals("3", f[0]);
            for (int j = 0; j < d; j++) {
                double e = (Double.parseDouble(f[j + 1]) - x[i][j]) / bundle.normalization().scale(0, j);
                sq += e * e;
            }
        }
        double nrmse = Math.sqrt(sq / (m * d));
        double reported = bundle.manifest().validation().get("nrmse");
        System.out.printf("decode: NRMSE %.4f on decoded records, bundle reports %.4f%n", nrmse, reported);
        assertTrue(nrmse <= reported * 1.5 + 0.02, "decoded NRMSE " + nrmse + " vs reported " + reported);

        CliTest.Result wrong = CliTest.run("decode", "--model", BundleCodecPath.golden(dir).toString(), "--file", file.toString());
        assertEquals(ExitCodes.USAGE, wrong.code());
        assertTrue(wrong.err().contains("made by model version 3"), wrong.err());

        CliTest.Result none = CliTest.run("decode", "--file", file.toString());
        assertEquals(ExitCodes.USAGE, none.code());
        assertTrue(none.err().contains("no --model bundle was given") && none.err().contains("--bootstrap-server"), none.err());
    }

    /** The golden test bundle written to a file. */
    static final class BundleCodecPath {
        static Path golden(Path dir) throws Exception {
            Path p = dir.resolve("golden.lsb");
            BundleCodec.write(io.latentstream.topology.TestModels.golden(), p);
            return p;
        }
    }
}
