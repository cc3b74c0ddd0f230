package io.latentstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `bench kernel`'s summary of JMH's JSON: each benchmark pair as a row with its ratio, no table without figures. */
class BenchSummaryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void result(ArrayNode results, String benchmark, double score, double bytes, String... params) {
        var r = results.addObject().put("benchmark", "io.latentstream.bench." + benchmark);
        var p = r.putObject("params");
        for (int i = 0; i < params.length; i += 2) {
            p.put(params[i], params[i + 1]);
        }
        r.putObject("primaryMetric").put("score", score);
        r.putObject("secondaryMetrics").putObject("gc.alloc.rate.norm").put("score", bytes);
    }

    @Test
    void pairsPrintTheirRatioAndOnlyTheTablesWithFiguresArePrinted() {
        ArrayNode results = JSON.createArrayNode();
        result(results, "StuckWatchBenchmark.score", 0.161, 0, "dim", "9", "entities", "100");
        result(results, "StuckWatchBenchmark.scoreAndWatch", 0.196, 0.001, "dim", "9", "entities", "100");
        result(results, "ImputationBenchmark.whole", 0.19, 0, "dim", "64", "missing", "1");
        result(results, "ImputationBenchmark.imputing", 3.8, 0.02, "dim", "64", "missing", "1");
        StringWriter s = new StringWriter();
        BenchCommand.summarize((JsonNode) results, new PrintWriter(s));
        String out = s.toString();
        assertTrue(out.contains("    9       100          0.161            0.196      1.22x         0.00"), out);
        assertTrue(out.contains("   64         1          0.190            3.800     20.00x         0.02"), out);
        assertTrue(out.indexOf("a record with features missing") < out.indexOf("the stuck-sensor watch"), out);
        assertFalse(out.contains("DL4J") || out.contains("Random Cut Forest"), "no kernel or forest figures, no such table:\n" + out);
    }
}
