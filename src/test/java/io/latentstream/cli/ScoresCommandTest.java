package io.latentstream.cli;

import io.latentstream.codec.ScoreRecord;
import io.latentstream.codec.ScoreRecordWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How `scores` reads, shows and sums up score records (the broker-backed run is in ProcessorIT). */
class ScoresCommandTest {
    private static final List<String> FEATURES = List.of("temp", "rpm", "pressure");

    private static ConsumerRecord<byte[], byte[]> record(String key, byte[] value) {
        return new ConsumerRecord<>("t.anomalies", 1, 7, 1_764_000_000_000L, TimestampType.CREATE_TIME, -1, value == null ? -1 : value.length,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(), Optional.empty());
    }

    /** A score record exactly as the processor writes it. */
    private static byte[] written(String key, double score, boolean anomaly, long ts, float[] observed, float[] expected, float[] contributions) {
        return new ScoreRecordWriter(FEATURES, 2).write(score, 2.5, anomaly, 3, ts, "sensors", 4, 1234, key, null,
                observed, expected, contributions);
    }

    @Test
    void aScoreRecordAsTheProcessorWritesItIsOneReadableLine() {
        byte[] v = written("pump-7", 12.4321, true, 1_764_000_060_000L, new float[] {81.25f, 1500f, 0.000012f},
                new float[] {60.1f, 1490f, 0.000011f}, new float[] {30f, 1f, 6f});
        ScoreRecord s = ScoresCommand.read(record("pump-7", v));
        assertEquals("2025-11-24T16:01:00Z  pump-7  score 12.43 ANOMALY (threshold 2.5)  v3  temp 81.25 (expected 60.1), "
                + "pressure 1.200e-05 (expected 1.100e-05)  sensors-4@1234", ScoresCommand.text(s));
        ScoreRecord normal = ScoresCommand.read(record("pump-7", written("pump-7", 0.5, false, 1_764_000_060_000L,
                new float[] {60f, 1500f, 1f}, new float[] {60.5f, 1500f, 1f}, new float[] {0.1f, 0f, 0f})));
        assertTrue(ScoresCommand.text(normal).contains("  score 0.5 normal (threshold 2.5)"), ScoresCommand.text(normal));
        // A record scored without rpm (input.missing.max): what the model imputed for it.
        byte[] gap = new ScoreRecordWriter(FEATURES, 2).write(0.5, 2.5, false, 3, 1_764_000_060_000L, "sensors", 4, 1235, "pump-7",
                null, new float[] {60f, Float.NaN, 1f}, new float[] {60.5f, 1480f, 1f}, new float[] {0.1f, 0f, 0.2f}, 1);
        ScoreRecord partial = ScoresCommand.read(record("pump-7", gap));
        assertEquals("2025-11-24T16:01:00Z  pump-7  score 0.5 normal (threshold 2.5)  v3  pressure 1 (expected 1), temp 60 (expected "
                + "60.5); missing rpm (imputed 1480)  sensors-4@1235", ScoresCommand.text(partial));
        // A sensor stuck at 1500 for 12 readings (score.stuck.readings): flagged under the threshold.
        byte[] frozen = new ScoreRecordWriter(FEATURES, 1).write(0.5, 2.5, true, 3, 1_764_000_060_000L, "sensors", 4, 1236, "pump-7",
                null, new float[] {60f, 1500f, 1f}, new float[] {60.5f, 1490f, 1f}, new float[] {0.1f, 0f, 0.2f}, 0,
                new int[] {0, 12, 0}, 1);
        ScoreRecord stuck = ScoresCommand.read(record("pump-7", frozen));
        assertEquals(List.of(new ScoreRecord.Stuck("rpm", 1500, 12)), stuck.stuck());
        assertEquals("2025-11-24T16:01:00Z  pump-7  score 0.5 ANOMALY (threshold 2.5)  v3  pressure 1 (expected 1); STUCK rpm at "
                + "1500 for 12 readings  sensors-4@1236", ScoresCommand.text(stuck));
    }

    @Test
    void theKeyComesFromTheRecordWhenTheScoreRecordHasNone() {
        byte[] v = written(null, 1, false, 5, new float[3], new float[3], new float[3]);
        assertEquals("0x0001", ScoresCommand.read(new ConsumerRecord<>("t", 0, 0, 0L, TimestampType.CREATE_TIME, -1, v.length,
                new byte[] {0, 1}, v, new RecordHeaders(), Optional.empty())).key());
        assertNull(ScoresCommand.read(record(null, v)).key());
    }

    @Test
    void whatIsNotAScoreRecordIsRecognised() {
        assertNull(ScoresCommand.read(record("k", "[1,2,3]".getBytes(StandardCharsets.UTF_8))));
        assertNull(ScoresCommand.read(record("k", "{\"score\":\"high\",\"threshold\":1}".getBytes(StandardCharsets.UTF_8))));
        assertNull(ScoresCommand.read(record("k", new byte[] {0x4c, 0x53, 1, 2})));
        assertNull(ScoresCommand.read(record("k", null)));
    }

    @Test
    void numbersKeepFourSignificantDigits() {
        assertEquals("60.1", ScoresCommand.num(60.1f));
        assertEquals("1500", ScoresCommand.num(1500));
        assertEquals("-0.05504", ScoresCommand.num(-0.055041));
        assertEquals("0", ScoresCommand.num(0));
        assertEquals("1.235e+07", ScoresCommand.num(12_345_678));
        assertEquals("NaN", ScoresCommand.num(Double.NaN));
    }

    @Test
    void theSummaryRanksKeysByFlaggedThenHighestScore() {
        ScoresCommand.Summary sum = new ScoresCommand.Summary();
        float[] x = new float[3];
        sum.add(ScoresCommand.read(record("a", written("a", 9, true, 1_000, x, x, new float[] {1, 5, 0}))));
        sum.add(ScoresCommand.read(record("a", written("a", 1, false, 2_000, x, x, new float[] {1, 5, 0}))));
        sum.add(ScoresCommand.read(record("a", written("a", 3, true, 3_000, x, x, new float[] {7, 5, 0}))));
        sum.add(ScoresCommand.read(record("b", written("b", 50, true, 4_000, x, x, new float[] {0, 0, 2}))));
        sum.add(ScoresCommand.read(record("c", written("c", 0.2, false, 5_000, x, x, new float[] {1, 0, 0}))));
        StringWriter w = new StringWriter();
        sum.print(new PrintWriter(w, true), 2);
        assertEquals(List.of("by key, most flagged first:",
                "  a: 3 shown, 2 flagged (66.7%), highest 9 at 1970-01-01T00:00:01Z; top feature rpm 2, temp 1",
                "  b: 1 flagged, highest 50 at 1970-01-01T00:00:04Z; top feature pressure 1",
                "  … and 1 more key(s) (--summary N shows more)"), w.toString().lines().toList());
    }

    @Test
    void badOptionsAreUsageErrors() {
        CliTest.Result max = CliTest.run("scores", "-b", "127.0.0.1:1", "--max", "-1");
        assertEquals(2, max.code());
        assertTrue(max.err().contains("--max must be 0 (no limit) or more, not -1"), max.err());
        CliTest.Result both = CliTest.run("scores", "-b", "127.0.0.1:1", "--follow", "--to", "1h");
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--to ends the range and --follow keeps showing new records"), both.err());
        CliTest.Result nan = CliTest.run("scores", "-b", "127.0.0.1:1", "--min-score", "NaN");
        assertEquals(2, nan.code());
        assertTrue(nan.err().contains("--min-score must be a number"), nan.err());
        CliTest.Result noBroker = CliTest.run("scores");
        assertEquals(2, noBroker.code());
        assertTrue(noBroker.err().contains("bootstrap.servers"), noBroker.err());
    }
}
