package io.latentstream.bench;

import io.latentstream.model.FastScorer;
import io.latentstream.model.StuckReadings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the stuck-sensor watch ({@code score.stuck.readings}) adds to scoring a record: {@code score}
 * alone against {@code score} plus {@code StuckReadings.observe}, one record at a time, the entities
 * taking turns (100 of them, or 100,000: the watch's per-task limit, whose map no longer fits the
 * caches). {@code latentstream bench kernel} prints the ratio.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
        "--add-modules=jdk.incubator.vector"})
public class StuckWatchBenchmark {
    @Param({"9", "64"})
    int dim;

    @Param({"100", "100000"})
    int entities;

    private FastScorer scorer;
    private FastScorer.Scratch scratch;
    private StuckReadings watch;
    private float[][] rows;
    private String[] keys;
    private int next;

    @Setup
    public void setup() {
        scorer = new FastScorer(BenchModels.randomBundle(dim, 7));
        scratch = scorer.newScratch();
        rows = BenchModels.rows(64, dim, 3);
        keys = new String[entities];
        for (int i = 0; i < entities; i++) {
            keys[i] = "pump-" + i;
            keys[i].hashCode(); // as a record key's text would be: hashed once, on first use
        }
        watch = new StuckReadings(BenchModels.randomBundle(dim, 7).features(), 10, Set.of(), StuckReadings.DEFAULT_MAX_ENTITIES);
        for (int i = 0; i < entities; i++) {
            watch.observe(keys[i], rows[i & 63]); // every entity known: the steady state
        }
    }

    @Benchmark
    public double score() {
        int i = next++;
        float[] x = rows[i & 63];
        return scorer.score(x, 0, scratch);
    }

    @Benchmark
    public double scoreAndWatch() {
        int i = next++;
        float[] x = rows[i & 63];
        double s = scorer.score(x, 0, scratch);
        return s + watch.observe(keys[i % entities], x);
    }
}
