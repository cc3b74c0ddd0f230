package io.latentstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.topology.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `latentstream score` on a file: every row scored as the processor scores it, in file order. */
class ScoreCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int N = 300;

    @TempDir
    Path dir;

    /**
     * The golden model's features (f0..f4) in another column order, an extra column, a ts column,
     * its context column (entity) with one entity it does not know, and labels: rows far from the
     * others are labelled 1.
     */
    private Path file(double[][] x, String[] entity, int[] label) throws Exception {
        StringBuilder sb = new StringBuilder("ts,f3,f0,site,f1,f4,f2,entity,label\n");
        Random rnd = new Random(2);
        for (int i = 0; i < N; i++) {
            boolean off = i % 30 == 7;
            double[] row = new double[5];
            for (int j = 0; j < 5; j++) {
                // as written to the file, so the test scores the very numbers the command reads
                row[j] = Double.parseDouble(String.format(Locale.ROOT, "%.6f", 10 + rnd.nextGaussian() + (off && j == 2 ? 25 : 0)));
            }
            x[i] = row;
            entity[i] = i % 40 == 0 ? "newcomer" : "abc".charAt(i % 3) + "";
            label[i] = off ? 1 : 0;
            sb.append(String.format(Locale.ROOT, "%s,%.6f,%.6f,north,%.6f,%.6f,%.6f,%s,%d%n",
                    Instant.ofEpochSecond(1_700_000_000L + 60L * i), row[3], row[0], row[1], row[4], row[2], entity[i], label[i]));
        }
        return Files.writeString(dir.resolve("history.csv"), sb.toString());
    }

    @Test
    void everyRowIsScoredAsTheProcessorScoresIt() throws Exception {
        ModelBundle golden = TestModels.golden();
        Path model = dir.resolve("golden.lsb");
        BundleCodec.write(golden, model);
        double[][] x = new double[N][];
        String[] entity = new String[N];
        int[] label = new int[N];
        Path csv = file(x, entity, label);

        CliTest.Result all = CliTest.run("score", "--model", model.toString(), "--input", csv.toString());
        assertEquals(0, all.code(), all.err());
        List<String> lines = all.out().lines().toList();
        assertEquals(N, lines.size());
        FastScorer scorer = new FastScorer(golden);
        FastScorer.Scratch s = scorer.newScratch();
        long flagged = 0;
        long caught = 0;
        for (int i = 0; i < N; i++) {
            JsonNode r = JSON.readTree(lines.get(i));
            float[] row = new float[5];
            for (int j = 0; j < 5; j++) {
                row[j] = (float) x[i][j];
            }
            double expected = scorer.score(row, scorer.contextSlot(entity[i]), s);
            assertEquals((float) expected, r.get("score").floatValue(), "row " + i);
            assertEquals(scorer.isAnomaly(expected), r.get("anomaly").asBoolean());
            flagged += scorer.isAnomaly(expected) ? 1 : 0;
            caught += scorer.isAnomaly(expected) && label[i] == 1 ? 1 : 0;
            assertEquals(1_700_000_000_000L + 60_000L * i, r.get("ts").asLong(), "the ts column is the event time");
            assertEquals("history.csv", r.get("source").get("topic").asText());
            assertEquals(i, r.get("source").get("offset").asLong(), "file order, row index");
            assertEquals(entity[i], r.get("context").asText());
            assertEquals(3, r.get("top_features").size(), "score.top.features");
        }
        assertTrue(flagged > 0 && caught > 0, "the off-pattern rows stand out: " + flagged + " flagged, " + caught + " caught");
        assertTrue(all.err().contains("note: not features of the model, left out: site"), all.err());
        assertTrue(all.err().contains(String.format(Locale.ROOT, "scored 300 row(s) of history.csv with t v1 (threshold %.4g): flagged %d",
                golden.manifest().scoring().threshold(), flagged)), all.err());
        assertTrue(all.err().contains(String.format(Locale.ROOT, "labelled anomalies: 10; caught %d, missed %d", caught, 10 - caught)),
                all.err());
        assertTrue(all.err().contains("highest scores:\n  row "), all.err());

        Path out = dir.resolve("flagged.jsonl");
        CliTest.Result only = CliTest.run("score", "--model", model.toString(), "--input", csv.toString(), "--flagged",
                "--top-features", "1", "--out", out.toString());
        assertEquals(0, only.code(), only.err());
        List<String> kept = Files.readAllLines(out);
        assertEquals(flagged, kept.size());
        for (String line : kept) {
            JsonNode r = JSON.readTree(line);
            assertTrue(r.get("anomaly").asBoolean());
            assertEquals(1, r.get("top_features").size());
        }
        assertEquals("", only.out());
    }

    @Test
    void rowsLackingValuesAreScoredAsTheProcessorScoresThemWithMissingMax() throws Exception {
        ModelBundle golden = TestModels.golden();
        Path model = dir.resolve("golden.lsb");
        BundleCodec.write(golden, model);
        Path csv = Files.writeString(dir.resolve("gaps.csv"), "f0,f1,f2,f3,f4\n10,11,9,10,10\n10,,9,10,10\n10,NaN,9,,10\n");
        CliTest.Result strict = CliTest.run("score", "--model", model.toString(), "--input", csv.toString());
        assertEquals(ExitCodes.USAGE, strict.code());
        assertTrue(strict.err().contains("gaps.csv:3: column 2 (f1): '' is not a number"), strict.err());

        CliTest.Result r = CliTest.run("score", "--model", model.toString(), "--input", csv.toString(), "--missing-max", "1");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), "the row lacking two values is left out");
        FastScorer scorer = new FastScorer(golden);
        double expected = scorer.scoreImputing(new float[] {10, Float.NaN, 9, 10, 10}, 0, scorer.newScratch());
        JsonNode partial = JSON.readTree(lines.get(1));
        assertEquals((float) expected, partial.get("score").floatValue());
        assertEquals("f1", partial.get("missing").get(0).get("name").asText());
        assertFalse(JSON.readTree(lines.get(0)).has("missing"));
        assertTrue(r.err().contains("rows lacking values: 1 scored with the model imputing them, 1 left out"), r.err());
    }

    @Test
    void aFeatureHeldByAnEntityForStuckReadingsRowsIsFlaggedAsTheProcessorFlagsIt() throws Exception {
        Path model = dir.resolve("golden.lsb");
        BundleCodec.write(TestModels.golden(), model);
        // Entity a holds f0 at 10 for four rows (b's 10 in between is its own); f4 is held too but ignored.
        Path csv = Files.writeString(dir.resolve("frozen.csv"), "f0,f1,f2,f3,f4,entity\n"
                + "10,11,9,10,7,a\n10,11.5,9.2,10.1,7,a\n10,11,9,10,7,b\n10,10.8,9.1,9.9,7,a\n10,11.1,8.9,10.2,7,a\n10.5,11,9,10,7,a\n");
        CliTest.Result r = CliTest.run("score", "--model", model.toString(), "--input", csv.toString(), "--stuck-readings", "3",
                "--set", "score.stuck.ignore=f4");
        assertEquals(0, r.code(), r.err());
        List<JsonNode> rows = new java.util.ArrayList<>();
        for (String line : r.out().lines().toList()) {
            rows.add(JSON.readTree(line));
        }
        assertEquals(6, rows.size());
        assertEquals(List.of(false, false, false, true, true, false), rows.stream().map(n -> n.has("stuck")).toList(), r.out());
        JsonNode third = rows.get(3).get("stuck");
        assertEquals(1, third.size(), "f4 is ignored: " + third);
        assertEquals("f0", third.get(0).get("name").asText());
        assertEquals(3, third.get(0).get("readings").asInt());
        assertEquals(4, rows.get(4).get("stuck").get(0).get("readings").asInt());
        assertTrue(rows.get(3).get("anomaly").asBoolean() && rows.get(4).get("anomaly").asBoolean(), "flagged whatever the score");
        assertTrue(r.err().contains("rows with a stuck feature (a value held for --stuck-readings rows of the entity): 2, flagged "
                + "whatever their score; the longest runs of one value in this file, by feature: f4 5, f0 4, f1 1, f2 1, f3 1"), r.err());

        CliTest.Result off = CliTest.run("score", "--model", model.toString(), "--input", csv.toString());
        assertEquals(0, off.code(), off.err());
        assertFalse(off.out().contains("\"stuck\""), "off by default");
        CliTest.Result typo = CliTest.run("score", "--model", model.toString(), "--input", csv.toString(), "--stuck-readings", "3",
                "--set", "score.stuck.ignore=f9");
        assertEquals(ExitCodes.USAGE, typo.code(), typo.err());
        assertTrue(typo.err().contains("score.stuck.ignore") && typo.err().contains("f9"), typo.err());
        CliTest.Result one = CliTest.run("score", "--model", model.toString(), "--input", csv.toString(), "--stuck-readings", "1");
        assertEquals(ExitCodes.USAGE, one.code(), one.err());
        assertTrue(one.err().contains("--stuck-readings must be 0 (off) or at least 2, not 1"), one.err());
    }

    @Test
    void aFileWithoutTheModelsFeaturesIsRefusedByName() throws Exception {
        Path model = dir.resolve("golden.lsb");
        BundleCodec.write(TestModels.golden(), model);
        Path csv = Files.writeString(dir.resolve("other.csv"), "temp,rpm\n1,2\n");
        CliTest.Result r = CliTest.run("score", "--model", model.toString(), "--input", csv.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("no column for the model's feature(s) [f0, f1, f2, f3, f4]"), r.err());
        CliTest.Result none = CliTest.run("score", "--model", model.toString(), "--input", dir.resolve("nope.csv").toString());
        assertEquals(ExitCodes.USAGE, none.code());
        assertTrue(none.err().contains("nope.csv: file not found"), none.err());
        CliTest.Result noModel = CliTest.run("score", "--input", csv.toString());
        assertEquals(ExitCodes.USAGE, noModel.code());
        assertTrue(noModel.err().contains("give --model, or --bootstrap-server"), noModel.err());

        // Without its context column a conditional model scores every row with its unknown slot, and says so.
        Path plain = Files.writeString(dir.resolve("plain.csv"), "f0,f1,f2,f3,f4\n10,10,10,10,10\n");
        CliTest.Result noContext = CliTest.run("score", "--model", model.toString(), "--input", plain.toString());
        assertEquals(0, noContext.code(), noContext.err());
        assertTrue(noContext.err().contains("no 'entity' column: every row is scored with the model's unknown-context slot"),
                noContext.err());
        assertFalse(noContext.out().contains("\"context\""), noContext.out());
        assertTrue(noContext.out().contains("\"ts\":-1"), noContext.out());
    }
}
