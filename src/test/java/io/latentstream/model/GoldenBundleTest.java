package io.latentstream.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Old bundles keep loading: one small bundle per released format version lives in
 * src/test/resources/golden with the scores it gave when it was written. To add one for a new
 * format version: {@code mvn test -Dtest=GoldenBundleTest -Dgolden.write=true}.
 */
class GoldenBundleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final float[][] INPUTS = {
        {10f, 10f, 10f, 10f, 10f}, {12f, 8f, 11f, 9f, 10.5f}, {0f, 20f, -5f, 15f, 3f}};
    private static final String[] CONTEXTS = {"a", "b", "unseen"};

    @Test
    void formatVersion1StillLoadsAndScoresTheSame() throws Exception {
        if (Boolean.getBoolean("golden.write")) {
            writeGolden();
        }
        byte[] bytes;
        try (InputStream in = getClass().getResourceAsStream("/golden/v1.lsb")) {
            assertNotNull(in, "golden bundle missing");
            bytes = in.readAllBytes();
        }
        JsonNode expected;
        try (InputStream in = getClass().getResourceAsStream("/golden/v1.expected.json")) {
            expected = JSON.readTree(in);
        }
        ModelBundle b = BundleCodec.read(bytes, BundleCodec.DEFAULT_MAX_BYTES);
        FastScorer s = new FastScorer(b);
        FastScorer.Scratch scratch = s.newScratch();
        for (int i = 0; i < INPUTS.length; i++) {
            double score = s.score(INPUTS[i], s.contextSlot(CONTEXTS[i]), scratch);
            double want = expected.get("scores").get(i).asDouble();
            assertEquals(want, score, 1e-5 * Math.max(1, Math.abs(want)), "score of golden input " + i);
        }
    }

    private void writeGolden() throws Exception {
        double[][] x = Synthetic.lowRank(200, 5, 2, 7);
        String[] ctx = Synthetic.contexts(x, 8);
        ModelBundle b = Synthetic.train(new TrainingData(Synthetic.names(5), x, ctx, "entity", "golden"),
                Synthetic.fast().withEpochs(5));
        Path dir = Path.of("src/test/resources/golden");
        Files.createDirectories(dir);
        BundleCodec.write(b, dir.resolve("v" + BundleCodec.FORMAT_VERSION + ".lsb"));
        FastScorer s = new FastScorer(b);
        FastScorer.Scratch scratch = s.newScratch();
        double[] scores = new double[INPUTS.length];
        for (int i = 0; i < INPUTS.length; i++) {
            scores[i] = s.score(INPUTS[i], s.contextSlot(CONTEXTS[i]), scratch);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("inputs", INPUTS);
        out.put("contexts", List.of(CONTEXTS));
        out.put("scores", scores);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("v" + BundleCodec.FORMAT_VERSION + ".expected.json").toFile(), out);
    }
}
