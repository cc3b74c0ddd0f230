package io.latentstream.bench;

import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
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

import java.util.concurrent.TimeUnit;

/**
 * What a record lacking features costs ({@code input.missing.max}): {@code scoreImputing} (3
 * encode/decode passes, then up to 20 gradient steps on μ through the decoder) against {@code score} of
 * the whole record, one record at a time, for d = 9, 64, 128 with one feature or a quarter of them
 * missing. {@code latentstream bench kernel} prints the ratio.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
        "--add-modules=jdk.incubator.vector"})
public class ImputationBenchmark {
    @Param({"9", "64", "128"})
    int dim;

    /** "1": one feature missing; "quarter": ceil(d/4) of them. */
    @Param({"1", "quarter"})
    String missing;

    private FastScorer scorer;
    private FastScorer.Scratch scratch;
    private float[] whole;
    private float[] partial;

    @Setup
    public void setup() {
        ModelBundle b = BenchModels.randomBundle(dim, 7);
        scorer = new FastScorer(b);
        scratch = scorer.newScratch();
        whole = BenchModels.rows(1, dim, 3)[0];
        partial = whole.clone();
        int m = missing.equals("1") ? 1 : (dim + 3) / 4;
        for (int j = 0; j < m; j++) {
            partial[(j * 7 + 2) % dim] = Float.NaN; // spread over the record, none twice (7 is prime to 9, 64, 128)
        }
    }

    @Benchmark
    public double whole() {
        return scorer.score(whole, 0, scratch);
    }

    @Benchmark
    public double imputing() {
        return scorer.scoreImputing(partial, 0, scratch);
    }
}
