package io.latentstream.cli;

import io.latentstream.model.Direction;
import io.latentstream.model.ThresholdCalibration;
import io.latentstream.topology.TestModels;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `models threshold` without a broker: what it accepts as a rate, and what it prints of scores and bundles. */
class ThresholdCommandTest {
    @Test
    void aRateIsAPercentOrAFraction() {
        assertEquals(0.005, ThresholdCommand.share("0.5%"), 1e-15);
        assertEquals(0.005, ThresholdCommand.share(" 0.005 "), 1e-15);
        assertEquals(0.5, ThresholdCommand.share("50%"), 1e-15);
        for (String bad : new String[] {"0", "0%", "-1%", "51%", "0.6", "half", "%", "NaN"}) {
            UsageError e = assertThrows(UsageError.class, () -> ThresholdCommand.share(bad), bad);
            assertTrue(e.getMessage().startsWith("--rate must"), e.getMessage());
        }
    }

    @Test
    void theLadderListsTheThresholdsOfRatesTheRecordsCanTell() {
        double[] scores = new double[2000];
        for (int i = 0; i < scores.length; i++) {
            scores[scores.length - 1 - i] = i + 1; // 1 .. 2000, in any order
        }
        // 0.1% of 2,000 is 2 records, too few to tell (fewer than 10 expected flags): left out.
        assertEquals("5% above 1900.1, 2% above 1960.0, 1% above 1980.0, 0.5% above 1990.0",
                ThresholdCommand.ladder(scores, Direction.ABOVE));
        assertEquals("", ThresholdCommand.ladder(scores, Direction.BOTH), "one upper line does not say it for two tails");
    }

    @Test
    void aBundleIsDescribedByWhatItFlags() {
        var golden = TestModels.golden();
        double t = golden.manifest().scoring().threshold();
        assertTrue(ThresholdCommand.describe(golden).matches("threshold [0-9.]+ \\(quantile 0\\.\\d{4}\\)"),
                ThresholdCommand.describe(golden));
        var halved = ThresholdCalibration.withSensitivity(golden, 0.5, 2, Instant.now(), "n");
        assertTrue(ThresholdCommand.describe(halved).contains(", sensitivity 0.5: flags above "), ThresholdCommand.describe(halved));
        assertTrue(t > 0);
        assertEquals(String.format(java.util.Locale.ROOT, "> %.4g", t), ModelsCommand.ListVersions.flags(golden));
        assertEquals(String.format(java.util.Locale.ROOT, "> %.4g", 2 * t), ModelsCommand.ListVersions.flags(halved), "models list shows the line");
        assertEquals("v1's weights; threshold for 1.00%", ModelsCommand.ListVersions.windowSummary(Map.of(
                ThresholdCalibration.WINDOW_NOTE, "v1's weights; threshold for 1.00% of 24,739 record(s) of latentstream.raw")));
    }
}
