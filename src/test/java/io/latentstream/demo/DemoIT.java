package io.latentstream.demo;

import io.latentstream.cli.CliTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo as users run it (in-process): synthetic and replay sources, clean stop, summary. */
@Tag("serial") // timing or CPU share matters: failsafe runs it alone (pom.xml)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DemoIT {
    @TempDir
    Path dir;

    @Test
    void replayOfALabelledCsvCatchesItsAnomaliesAndCleansUp() throws Exception {
        Random r = new Random(9);
        StringBuilder sb = new StringBuilder("ts,a,b,c,d,label\n");
        java.time.LocalDate day0 = java.time.LocalDate.of(1990, 1, 1);
        java.util.Set<String> anomalousDays = new java.util.HashSet<>();
        for (int i = 0; i < 3000; i++) {
            double z = r.nextGaussian();
            boolean bad = i > 1000 && i % 50 == 0;
            double shift = bad ? 8 : 0;
            String day = day0.plusDays(i).toString(); // a daily series, like ice_river.csv
            if (bad) {
                anomalousDays.add(day);
            }
            sb.append(String.format(Locale.ROOT, "%sT00:00:00Z,%.4f,%.4f,%.4f,%.4f,%d%n", day, z + shift, 2 * z + 0.1 * r.nextGaussian(),
                    -z + 0.1 * r.nextGaussian() - shift, 0.5 * z, bad ? 1 : 0));
        }
        Path csv = dir.resolve("sensors.csv");
        Files.writeString(csv, sb.toString());
        long tmpBefore = countTempDirs();
        CliTest.Result res = CliTest.run("demo", "--replay", csv.toString(), "--rate", "1000/s", "--duration", "30s");
        assertEquals(0, res.code(), res.err() + res.out());
        assertTrue(res.out().contains("event time from its ts column, 1990-01-01 to 1998-03-19"), res.out());
        assertTrue(res.out().contains("replaying the other 2,100 rows at 1000 records/s"), res.out());
        assertTrue(res.out().contains("replay finished"), res.out());
        assertTrue(res.out().contains("demo stopped"), res.out());
        // The commands to look at the demo from another terminal, with the names the demo runs under.
        assertTrue(res.out().lines().anyMatch(l -> l.matches("from another terminal while the demo runs: latentstream status "
                + "-b 127\\.0\\.0\\.1:\\d+ --set application\\.id=latentstream-demo --name \\S+ {2}\\(also: scores .*")), res.out());
        String summary = res.out().lines().filter(l -> l.startsWith("labelled anomalies: 39;")).findFirst().orElseThrow();
        System.out.println("demo replay: " + summary);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("caught ([0-9,]+), missed ([0-9,]+)").matcher(summary);
        assertTrue(m.find(), summary);
        int caught = Integer.parseInt(m.group(1).replace(",", ""));
        int missed = Integer.parseInt(m.group(2).replace(",", ""));
        assertTrue(caught > 0.8 * (caught + missed), summary);
        // The highest scores name their readings by the file's own event time (ts -> json ts -> the
        // score record): the days of the labelled rows, not the wall clock of the replay.
        List<String> lines = res.out().lines().toList();
        int at = lines.indexOf("highest scores (event time from the file):");
        assertTrue(at >= 0, res.out());
        List<String> highest = lines.subList(at + 1, Math.min(lines.size(), at + 1 + 5));
        System.out.println("demo replay, highest: " + highest.get(0).strip());
        for (String h : highest) {
            String day = h.strip().substring(0, 10);
            assertTrue(anomalousDays.contains(day), "a labelled day: " + h + "\n" + res.out());
            assertTrue(h.contains(" sensors  score ") && h.contains("[labelled]"), h);
        }
        assertEquals(tmpBefore, countTempDirs(), "no temporary broker directory left behind");
    }

    static long countTempDirs() throws Exception {
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("latentstream-kafka-")).count();
        }
    }
}
