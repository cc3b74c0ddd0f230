package io.latentstream.demo;

import io.latentstream.cli.CliTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo as users run it (in-process): synthetic and replay sources, clean stop, summary. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DemoIT {
    @TempDir
    Path dir;

    @Test
    void replayOfALabelledCsvCatchesItsAnomaliesAndCleansUp() throws Exception {
        Random r = new Random(9);
        StringBuilder sb = new StringBuilder("a,b,c,d,label\n");
        for (int i = 0; i < 3000; i++) {
            double z = r.nextGaussian();
            boolean bad = i > 1000 && i % 50 == 0;
            double shift = bad ? 8 : 0;
            sb.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%.4f,%d%n", z + shift, 2 * z + 0.1 * r.nextGaussian(),
                    -z + 0.1 * r.nextGaussian() - shift, 0.5 * z, bad ? 1 : 0));
        }
        Path csv = dir.resolve("sensors.csv");
        Files.writeString(csv, sb.toString());
        long tmpBefore = countTempDirs();
        CliTest.Result res = CliTest.run("demo", "--replay", csv.toString(), "--rate", "1000/s", "--duration", "30s");
        assertEquals(0, res.code(), res.err() + res.out());
        assertTrue(res.out().contains("replay finished"), res.out());
        assertTrue(res.out().contains("demo stopped"), res.out());
        String summary = res.out().lines().filter(l -> l.startsWith("injected anomalies:")).findFirst().orElseThrow();
        System.out.println("demo replay: " + summary);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("caught ([0-9,]+), missed ([0-9,]+)").matcher(summary);
        assertTrue(m.find(), summary);
        int caught = Integer.parseInt(m.group(1).replace(",", ""));
        int missed = Integer.parseInt(m.group(2).replace(",", ""));
        assertTrue(caught > 0.8 * (caught + missed), summary);
        // A replay's anomalies are its labelled rows: one kind, the same counts as the line above.
        assertTrue(res.out().contains(String.format(Locale.ROOT, "caught by kind: labelled %,d of %,d (", caught, caught + missed)),
                res.out());
        assertEquals(tmpBefore, countTempDirs(), "no temporary broker directory left behind");
    }

    static long countTempDirs() throws Exception {
        try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("latentstream-kafka-")).count();
        }
    }
}
