package io.latentstream.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PipelineBenchTest {
    static PipelineBench.Result round(double rate, double cpu) {
        return new PipelineBench.Result("identity", "json", rate, 60, 120, cpu, 80);
    }

    @Test
    void medianKeepsTheMiddleRoundWithItsOwnColumnsAndEveryRoundInRunOrder() {
        PipelineBench.Result m = PipelineBench.median(List.of(round(300, 3), round(100, 1), round(200, 2)));
        assertEquals(200, m.recordsPerSecond());
        assertEquals(2, m.cpuMicrosPerRecord(), "the columns of the median round, not a mix");
        assertArrayEquals(new double[] {300, 100, 200}, m.byRound());
        // Even counts: the lower middle, a round that was measured rather than an average of two.
        assertEquals(200, PipelineBench.median(List.of(round(400, 4), round(100, 1), round(200, 2), round(300, 3))).recordsPerSecond());
        assertEquals(100, PipelineBench.median(List.of(round(100, 1))).recordsPerSecond());
    }
}
