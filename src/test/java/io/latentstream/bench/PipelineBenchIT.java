package io.latentstream.bench;

import io.latentstream.cli.CliTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `latentstream bench --quick` keeps working: every run completes and the table and targets are printed. */
@Tag("serial") // timing or CPU share matters: failsafe runs it alone (pom.xml)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PipelineBenchIT {
    @Test
    void quickBenchRunsEveryStageAndPrintsTheRatios() {
        CliTest.Result r = CliTest.run("bench", "--quick", "--cpu-by-thread", "--rounds", "2");
        assertEquals(0, r.code(), r.err() + r.out());
        String out = r.out();
        for (String row : io.latentstream.bench.PipelineBench.RUN_NAMES) {
            for (String format : List.of("json", "f32")) {
                assertTrue(out.lines().anyMatch(l -> l.startsWith(row) && l.substring(row.length()).trim().startsWith(format + " ")),
                        "table row " + row + " " + format + "\n" + out);
            }
        }
        assertTrue(out.lines().anyMatch(l -> l.startsWith("Random Cut Forest update+score")), out);
        // scores.enabled=false writes latent frames and no score records.
        assertTrue(out.contains("outputs per input record: latents 1.000, scores 0.000"), out);
        assertTrue(out.contains("json: with an idle spinner / without"), out);
        // Two rounds: each run reports its median round and every round's figure, ratios round by round.
        assertTrue(out.contains("round 2 of 2") && out.contains("(round by round:"), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("  identity +json +[\\d,]+  [\\d,]+")), out);
        assertTrue(out.contains("json: processor EOS / identity"), out);
        assertTrue(out.contains("f32: processor EOS / Random Cut Forest"), out);
        assertTrue(out.contains("retraining cost"), out);
        // The input comes from the model's own distribution: anomalies are a small share, not every
        // record (a bench that flags everything writes each score twice and measures the wrong thing).
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("anomalies (\\d\\.\\d+)").matcher(out);
        assertTrue(m.find(), out);
        do {
            assertTrue(Double.parseDouble(m.group(1)) < 0.2, "anomalies per input " + m.group(1) + "\n" + out);
        } while (m.find());
        assertTrue(out.lines().anyMatch(l -> l.matches("\\s+CPU\\s+\\d+\\.\\d+ µs/rec\\s+<app>-<id>-StreamThread-#")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("\\s+d =\\s+9 .* samples/s.*")), out);
        System.out.println(out.lines().filter(l -> l.startsWith("identity") || l.startsWith("processor")).reduce("", (a, b) -> a + b + "\n"));
    }
}
