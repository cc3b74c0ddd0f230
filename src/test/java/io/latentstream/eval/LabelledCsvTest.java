package io.latentstream.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelledCsvTest {
    @TempDir
    Path dir;

    private String error(String content, String context) throws Exception {
        Path f = dir.resolve("d.csv");
        Files.writeString(f, content);
        return assertThrows(LabelledCsv.CsvException.class, () -> LabelledCsv.read(f, context, "label")).getMessage();
    }

    @Test
    void readsFeaturesContextAndLabels() throws Exception {
        Path f = dir.resolve("ok.csv");
        Files.writeString(f, "ts,a,b,context,label\n2020-01-01T00:00:00Z,1,2.5,\"x,y\",0\n2020-01-02T00:00:00Z,3,4,z,1\n");
        LabelledCsv t = LabelledCsv.read(f, "context", "label");
        assertEquals(java.util.List.of("a", "b"), t.features());
        assertArrayEquals(new double[] {1, 2.5}, t.x()[0]);
        assertEquals("x,y", t.contexts()[0]);
        assertArrayEquals(new int[] {0, 1}, t.labels());
        assertArrayEquals(new long[] {1_577_836_800_000L, 1_577_923_200_000L}, t.eventTimes().millis());
        assertArrayEquals(new long[] {1_577_923_200_000L}, t.subset(new int[] {1}).eventTimes().millis());
    }

    @Test
    void eventTimesAreInstantsDatesOrEpochMillisAndNeverStopAFileBeingRead() throws Exception {
        Path f = dir.resolve("times.csv");
        Files.writeString(f, "ts,a,label\n1974-06-13T00:00:00Z,1,0\n1974-06-13T12:30:00+02:00,2,0\n1974-06-14,3,0\n140400000000,4,0\n");
        assertArrayEquals(new long[] {140_313_600_000L, 140_351_400_000L, 140_400_000_000L, 140_400_000_000L},
                LabelledCsv.read(f, null, "label").eventTimes().millis());
        // A ts column in another notation is not event time, but the rows are still read: training
        // and evaluation never used it, and the demo's replay says why it does not.
        Files.writeString(f, "ts,a,label\n1974-06-13T00:00:00Z,1,0\n13/06/1974 10:00,2,0\n");
        LabelledCsv t = LabelledCsv.read(f, null, "label");
        assertEquals(2, t.rows());
        assertFalse(t.eventTimes().present());
        assertEquals(f + ":3: column 1 (ts): '13/06/1974 10:00' is not an ISO-8601 instant (1974-06-13T00:00:00Z), date (1974-06-13) "
                + "or epoch milliseconds", t.eventTimes().ignoredBecause());
        Files.writeString(f, "a,label\n1,0\n");
        assertFalse(LabelledCsv.read(f, null, "label").eventTimes().present());
        assertNull(LabelledCsv.read(f, null, "label").eventTimes().ignoredBecause());
    }

    @Test
    void numberedColumnsAreAHeader() throws Exception {
        for (String header : new String[] {"0,1,2,label", "1,2,3,label"}) {
            Path f = dir.resolve("numbered.csv");
            Files.writeString(f, header + "\n0.5,1.5,2.5,0\n");
            LabelledCsv t = LabelledCsv.read(f, null, "label");
            assertEquals(3, t.features().size());
            assertEquals(1, t.rows());
        }
    }

    @Test
    void errorsNameFileLineAndColumn() throws Exception {
        String nonNumeric = error("a,b,label\n1,2,0\n1,abc,0\n", null);
        assertTrue(nonNumeric.contains(":3: column 2 (b): 'abc' is not a number"), nonNumeric);
        String ragged = error("a,b,label\n1,2,0\n1,2\n", null);
        assertTrue(ragged.contains(":3: 2 fields, the header has 3"), ragged);
        String nan = error("a,b,label\n1,NaN,0\n", null);
        assertTrue(nan.contains(":2: column 2 (b)") && nan.contains("not a finite number"), nan);
        String inf = error("a,b,label\n1,Infinity,0\n", null);
        assertTrue(inf.contains("not a finite number"), inf);
        String noRows = error("a,b,label\n", null);
        assertTrue(noRows.contains("no data rows"), noRows);
        String empty = error("", null);
        assertTrue(empty.contains("empty file"), empty);
        String noContext = error("a,b,label\n1,2,0\n", "entity");
        assertTrue(noContext.contains("no context column 'entity'"), noContext);
        String badLabel = error("a,b,label\n1,2,7\n", null);
        assertTrue(badLabel.contains("label must be 0 or 1"), badLabel);
        String twice = error("a,b,a\n1,2,3\n", null);
        assertTrue(twice.contains(":1: columns 1 and 3 are both named 'a'"), twice);
        String unnamed = error("a, ,c\n1,2,3\n", null);
        assertTrue(unnamed.contains(":1: column 2 has no name"), unnamed);
        String headerless = error("-1.5,0.25,3\n1,2,3\n", null);
        assertTrue(headerless.contains(":1: the first line [-1.5, 0.25, 3] holds numbers, not column names")
                && headerless.contains("(e.g. f0,f1,f2)"), headerless);
    }

    @Test
    void metricsMatchHandComputedValues() {
        double[] s = {0.1, 0.4, 0.35, 0.8};
        int[] y = {0, 0, 1, 1};
        assertEquals(0.75, Metrics.rocAuc(s, y), 1e-12);
        assertEquals(0.8333333333, Metrics.averagePrecision(s, y), 1e-9); // sklearn gives 0.8333
        assertEquals(2.0 / 3, Metrics.f1(s, y, 0.5), 1e-12);
        assertEquals(0.5, Metrics.rocAuc(new double[] {1, 1, 1, 1}, y), 1e-12);
    }

    @Test
    void pcaReconstructsLowRankDataExactly() {
        java.util.Random r = new java.util.Random(1);
        double[][] x = new double[200][4];
        for (double[] row : x) {
            double a = r.nextGaussian();
            double b = r.nextGaussian();
            row[0] = a;
            row[1] = 2 * a;
            row[2] = b;
            row[3] = a - b;
        }
        assertTrue(Pca.fit(x, 2).nrmse(x) < 1e-6);
        assertTrue(Pca.fit(x, 1).nrmse(x) > 0.1);
    }

    @Test
    void protocolSplits() throws Exception {
        Path f = dir.resolve("p.csv");
        StringBuilder sb = new StringBuilder("a,label\n");
        for (int i = 0; i < 100; i++) {
            sb.append(i).append(',').append(i % 10 == 0 ? 1 : 0).append('\n');
        }
        Files.writeString(f, sb.toString());
        LabelledCsv t = LabelledCsv.read(f, null, "label");
        Evaluation.Split a = Evaluation.split(t, Evaluation.Protocol.A, 42);
        assertEquals(54, a.train().length); // 60% of 90 normal rows
        assertEquals(46, a.test().length); // 36 normal + 10 anomalies
        for (int i : a.train()) {
            assertEquals(0, t.labels()[i]);
        }
        Evaluation.Split b = Evaluation.split(t, Evaluation.Protocol.B, 42);
        assertEquals(30, b.train().length);
        assertEquals(30, b.test()[0]);
    }
}
