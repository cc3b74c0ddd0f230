package io.latentstream.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train / evaluate / generate end to end on a small generated file. */
class ModelCommandsTest {
    @TempDir
    Path dir;

    private Path csv() throws Exception {
        return csv(false);
    }

    private Path csv(boolean withSite) throws Exception {
        Random r = new Random(3);
        StringBuilder sb = new StringBuilder(withSite ? "a,b,c,d,site,label\n" : "a,b,c,d,label\n");
        for (int i = 0; i < 600; i++) {
            double z = r.nextGaussian();
            boolean bad = i % 25 == 0;
            double shift = bad ? 6 : 0;
            sb.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%.4f,%.4f,%s%d%n", z + shift, 2 * z + 0.1 * r.nextGaussian(),
                    -z + 0.1 * r.nextGaussian(), 0.5 * z, withSite ? (i % 2 == 0 ? "north," : "south,") : "", bad ? 1 : 0));
        }
        Path f = dir.resolve(withSite ? "site.csv" : "data.csv");
        Files.writeString(f, sb.toString());
        return f;
    }

    @Test
    void modelsListSummarizesWhatAVersionWasTrainedOn() throws Exception {
        assertEquals("olive.csv, all rows", ModelsCommand.ListVersions.windowSummary(
                java.util.Map.of("file", "/work/shared/data/olive.csv", "rows", "all rows")));
        assertEquals("samples, last 1 h, drift:anomaly-rate", ModelsCommand.ListVersions.windowSummary(java.util.Map.of(
                "topic", "latentstream.samples", "window_ms", "3600000", "latentstream.samples-0", "12..500",
                "trigger", "drift:anomaly-rate")));
        assertEquals("synthetic, first 24000", ModelsCommand.ListVersions.windowSummary(
                java.util.Map.of("source", "synthetic", "rows", "first 24000")));
        assertEquals("sensors, from 2026-11-19T18:57Z", ModelsCommand.ListVersions.windowSummary(java.util.Map.of(
                "topic", "sensors", "from", "2026-11-19T18:57:41.638841300Z", "to", "end when read", "records", "19980")));
        assertEquals("sensors, from start, to 2026-11-26T08:00Z", ModelsCommand.ListVersions.windowSummary(java.util.Map.of(
                "topic", "sensors", "from", "start", "to", "2026-11-26T08:00:00Z", "records", "19980")));
        assertEquals("2026-11-26T18:58:13Z", ModelsCommand.ListVersions.created("2026-11-26T18:58:13.794612345Z"));
        assertEquals("samples, last 24 h, schedule", ModelsCommand.ListVersions.windowSummary(java.util.Map.of(
                "window_ms", "86400000", "trigger", "schedule")));
        assertEquals("7 d", ModelsCommand.ListVersions.span(java.time.Duration.ofDays(7)));
        assertEquals("90 min", ModelsCommand.ListVersions.span(java.time.Duration.ofMinutes(90)));
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertEquals("2026-11-26T18:59:06Z PUBLISHED control:retrain        v1 -> v2       7.9 s  v2 published: error 0.0610 vs 0.0589",
                ModelsCommand.ListVersions.decisionLine(json.readTree("{\"outcome\":\"published\",\"reason\":\"v2 published: error "
                        + "0.0610 vs 0.0589\",\"champion\":1,\"challenger\":2,\"trigger\":\"control:retrain\",\"figures\":{},"
                        + "\"seconds\":7.9,\"at\":\"2026-11-26T18:59:06.990008853Z\"}")));
        assertEquals("2026-11-26T19:59:06Z SKIPPED   schedule               v2             0.4 s  only 12 samples",
                ModelsCommand.ListVersions.decisionLine(json.readTree("{\"outcome\":\"skipped\",\"reason\":\"only 12 samples\","
                        + "\"champion\":2,\"challenger\":null,\"trigger\":\"schedule\",\"seconds\":0.4,\"at\":\"2026-11-26T19:59:06Z\"}")));
        assertEquals("{a=1}", ModelsCommand.ListVersions.windowSummary(java.util.Map.of("a", "1")));
        assertEquals("-", ModelsCommand.ListVersions.windowSummary(java.util.Map.of()));
    }

    @Test
    void trainEvaluateGenerate() throws Exception {
        Path data = csv();
        Path model = dir.resolve("m.lsb");
        CliTest.Result train = CliTest.run("train", "--input", data.toString(), "--exclude-labelled-anomalies",
                "--out", model.toString(), "--epochs", "20");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("epoch"), train.out());
        assertTrue(Files.size(model) > 100);

        CliTest.Result eval = CliTest.run("evaluate", "--model", model.toString(), "--input", data.toString(), "--protocol", "A");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("ROC-AUC") && eval.out().contains("PCA (same k)"), eval.out());

        CliTest.Result hidden = CliTest.run("evaluate", "--model", model.toString(), "--input", data.toString(), "--protocol", "A",
                "--hide-features", "1", "--json");
        assertEquals(0, hidden.code(), hidden.err());
        assertTrue(hidden.out().contains("\"missing_features\"") && hidden.out().contains("\"nrmseModel\""), hidden.out());
        CliTest.Result hideAll = CliTest.run("evaluate", "--model", model.toString(), "--input", data.toString(), "--protocol", "A",
                "--hide-features", "99");
        assertEquals(ExitCodes.USAGE, hideAll.code());
        assertTrue(hideAll.err().contains("features to hide must be 1.."), hideAll.err());

        CliTest.Result json = CliTest.run("evaluate", "--train-and-evaluate", "--input", csv(true).toString(), "--protocol", "B",
                "--epochs", "5", "--json", "--context-column", "site");
        assertEquals(0, json.code(), json.err());
        assertTrue(json.out().trim().startsWith("{") && json.out().contains("\"rocAuc\""), json.out());

        // The retrain replay, conditional model: 420 test rows in 2 windows, one routine retrain between them.
        CliTest.Result replay = CliTest.run("evaluate", "--train-and-evaluate", "--input", csv(true).toString(), "--protocol", "B",
                "--epochs", "5", "--context-column", "site", "--retrain-windows", "2");
        assertEquals(0, replay.code(), replay.err());
        assertTrue(replay.out().contains("| 1 | 210 | v1 |") && replay.out().contains("| 2 | 210 | v"), replay.out());
        assertTrue(replay.out().contains("window 1/2: v1 false alarms"), replay.out());
        CliTest.Result notB = CliTest.run("evaluate", "--model", model.toString(), "--input", data.toString(), "--protocol", "A",
                "--retrain-windows", "3");
        assertEquals(ExitCodes.USAGE, notB.code());
        assertTrue(notB.err().contains("--retrain-windows needs --protocol B"), notB.err());

        CliTest.Result gen = CliTest.run("generate", "--model", model.toString(), "--count", "5");
        assertEquals(0, gen.code(), gen.err());
        String[] lines = gen.out().trim().split("\n");
        assertEquals("a,b,c,d", lines[0]);
        assertEquals(6, lines.length);
        // To a file in a directory that does not exist yet: created, written whole, readable like the bundle.
        Path genFile = dir.resolve("new/dir/gen.csv");
        CliTest.Result toFile = CliTest.run("generate", "--model", model.toString(), "--count", "5", "--out", genFile.toString());
        assertEquals(0, toFile.code(), toFile.err());
        assertEquals(6, Files.readAllLines(genFile).size());
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(genFile)));
        try (var left = Files.list(genFile.getParent())) {
            assertEquals(1, left.count(), "no temporary file left beside it");
        }
    }

    @Test
    void aModelTrainedOnAFileWithTimesRecordsThePeriodItLearned() throws Exception {
        StringBuilder sb = new StringBuilder("ts,a,b,label\n");
        Random r = new Random(5);
        for (int i = 0; i < 300; i++) {
            double z = r.nextGaussian();
            // Hourly readings from 1974-06-01; the file is not in time order (a join's output), so the period is min..max.
            int hour = i == 0 ? 299 : i == 299 ? 0 : i;
            sb.append(String.format(java.util.Locale.ROOT, "%s,%.4f,%.4f,0%n",
                    java.time.Instant.parse("1974-06-01T00:00:00Z").plusSeconds(3600L * hour), z, 2 * z + 0.1 * r.nextGaussian()));
        }
        Path data = dir.resolve("hourly.csv");
        Files.writeString(data, sb.toString());
        Path model = dir.resolve("hourly.lsb");
        CliTest.Result train = CliTest.run("train", "--input", data.toString(), "--out", model.toString(), "--epochs", "3");
        assertEquals(0, train.code(), train.err());
        java.util.Map<String, String> window = io.latentstream.model.BundleCodec.read(model).manifest().training().window();
        assertEquals("1974-06-01T00:00:00Z", window.get("from"), window.toString());
        assertEquals("1974-06-13T11:00:00Z", window.get("to"), window.toString());
        assertEquals("hourly.csv, 1974-06-01 to 1974-06-13T11:00Z, all rows", ModelsCommand.ListVersions.windowSummary(window));
    }

    @Test
    void badCsvFailsWithPositionAndWritesNothing() throws Exception {
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "a,b,label\n1,2,0\n3,x,0\n");
        Path out = dir.resolve("never.lsb");
        CliTest.Result r = CliTest.run("train", "--input", bad.toString(), "--out", out.toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("bad.csv:3: column 2 (b): 'x' is not a number"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void evaluateRefusesABrokenBundle() throws Exception {
        Path broken = dir.resolve("broken.lsb");
        Files.write(broken, new byte[] {'L', 'S', 'B', 0, 1, 0});
        CliTest.Result r = CliTest.run("evaluate", "--model", broken.toString(), "--input", csv().toString());
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("refused"), r.err());
    }
}
