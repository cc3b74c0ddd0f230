package io.latentstream.eval;

import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What `evaluate` reports on a labelled file and on an unlabelled one (ice_river.csv: label always 0). */
class EvaluationTest {
    @TempDir
    Path dir;

    private Path csv(boolean withAnomalies) throws Exception {
        Random r = new Random(4);
        StringBuilder sb = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < 800; i++) {
            double z = r.nextGaussian();
            boolean bad = withAnomalies && i % 40 == 0;
            sb.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%d%n", z + (bad ? 6 : 0), 2 * z + 0.1 * r.nextGaussian(),
                    -z + 0.1 * r.nextGaussian(), bad ? 1 : 0));
        }
        Path f = dir.resolve(withAnomalies ? "labelled.csv" : "unlabelled.csv");
        Files.writeString(f, sb.toString());
        return f;
    }

    private static Evaluation.Report evaluate(Path file) throws Exception {
        LabelledCsv data = LabelledCsv.read(file, null, "label");
        Evaluation.Split split = Evaluation.split(data, Evaluation.Protocol.A, 42);
        LabelledCsv train = data.subset(split.train());
        ModelBundle b = VaeTrainer.train(new TrainingData(train.features(), train.x(), null, null, "test"),
                TrainOptions.defaults().withEpochs(15), new VaeTrainer.Identity("m", 1, null, Map.of()), null, null);
        return Evaluation.evaluate(b, data, split);
    }

    @Test
    void anUnlabelledFileGetsFlagRatesNotNaN() throws Exception {
        Evaluation.Report r = evaluate(csv(false));
        assertEquals(0, r.testAnomalies());
        assertNull(r.model().rocAuc());
        assertNull(r.pca().f1());
        assertTrue(r.model().flagged() > 0 && r.model().flagged() < 0.05, "about its calibrated 1%: " + r.model().flagged());
        String table = r.table();
        assertTrue(!table.contains("NaN") && table.contains("no labelled anomaly among the test rows"), table);
        assertTrue(table.lines().anyMatch(l -> l.matches("latentstream VAE +- +- +- +[0-9.]+% .*")), table);
        String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(r);
        assertTrue(json.contains("\"rocAuc\":null") && !json.contains("NaN"), json);
    }

    @Test
    void withAFeatureHiddenTheModelImputesItFromTheOthersAndStillSeparatesTheAnomalies() throws Exception {
        LabelledCsv data = LabelledCsv.read(csv(true), null, "label");
        Evaluation.Split split = Evaluation.split(data, Evaluation.Protocol.A, 42);
        LabelledCsv train = data.subset(split.train());
        ModelBundle b = VaeTrainer.train(new TrainingData(train.features(), train.x(), null, null, "test"),
                TrainOptions.defaults().withEpochs(15), new VaeTrainer.Identity("m", 1, null, Map.of()), null, null);
        Evaluation.Imputation r = Evaluation.hidden(b, data, split, 1, 42);
        // b = 2a and c = -a up to noise: any one of the three follows from the other two.
        assertTrue(r.nrmseModel() < 0.5 * r.nrmseMean(), r.table());
        assertTrue(r.rocAuc() > 0.85, r.table());
        assertTrue(r.flagged() > 0.03 && r.flagged() < 0.2, "the anomalies and about 1% of the rest: " + r.table());
        assertTrue(r.table().contains("1 of each test row's features hidden"), r.table());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Evaluation.hidden(b, data, split, 3, 42));
    }

    @Test
    void aLabelledFileGetsEveryFigure() throws Exception {
        Evaluation.Report r = evaluate(csv(true));
        assertEquals(20, r.testAnomalies());
        assertNotNull(r.model().rocAuc());
        assertTrue(r.model().rocAuc() > 0.9, "shifted rows stand out: " + r.model().rocAuc());
        // Every anomaly of the test rows flagged plus about 1% of its ~300 normal rows.
        assertTrue(r.model().flagged() > 0.05, "flags the anomalies: " + r.model().flagged());
        assertTrue(!r.table().contains("no labelled anomaly"), r.table());
    }
}
