package io.latentstream.bench;

import io.latentstream.cli.CliTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `latentstream bench --quick` keeps working: every run completes and the table and targets are printed. */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class PipelineBenchIT {
    @Test
    void quickBenchRunsEveryStageAndPrintsTheRatios() {
        CliTest.Result r = CliTest.run("bench", "--quick", "--cpu-by-thread");
        assertEquals(0, r.code(), r.err() + r.out());
        String out = r.out();
        for (String row : List.of("identity", "parse only", "processor, at_least_once", "processor, exactly_once_v2 100 ms",
                "processor, EOS 100 ms + retrain running", "processor, EOS 100 ms + retrain at nice 0", "Random Cut Forest update+score")) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(row)), "table row " + row + "\n" + out);
        }
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
