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
        CliTest.Result r = CliTest.run("bench", "--quick");
        assertEquals(0, r.code(), r.err() + r.out());
        String out = r.out();
        for (String row : List.of("identity", "parse only", "processor, at_least_once", "processor, exactly_once_v2 100 ms",
                "processor, EOS 100 ms + retrain running", "processor, EOS 100 ms + retrain at nice 0", "Random Cut Forest update+score")) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(row)), "table row " + row + "\n" + out);
        }
        assertTrue(out.contains("json: processor EOS / identity"), out);
        assertTrue(out.contains("f32: processor EOS / Random Cut Forest"), out);
        assertTrue(out.contains("retraining cost"), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("\\s+d =\\s+9 .* samples/s.*")), out);
        System.out.println(out.lines().filter(l -> l.startsWith("identity") || l.startsWith("processor")).reduce("", (a, b) -> a + b + "\n"));
    }
}
