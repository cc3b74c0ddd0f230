package io.latentstream.bench;

import com.amazon.randomcutforest.config.TransformMethod;
import com.amazon.randomcutforest.parkservices.ThresholdedRandomCutForest;
import io.latentstream.model.FastScorer;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Per record on the same vectors: our fast scorer vs AWS Random Cut Forest's streaming
 * update+score (ThresholdedRandomCutForest, 50 trees, sample size 256, NORMALIZE), warmed past
 * its sample size so it is in steady state.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC", "--add-modules=jdk.incubator.vector"})
public class RcfBenchmark {
    @Param({"9", "64"})
    int dim;

    private FastScorer fast;
    private FastScorer.Scratch scratch;
    private ThresholdedRandomCutForest rcf;
    private float[][] rows;
    private double[][] rowsDouble;
    private int next;
    private long ts;

    @Setup
    public void setup() {
        fast = new FastScorer(BenchModels.randomBundle(dim, 7));
        scratch = fast.newScratch();
        rows = BenchModels.rows(8192, dim, 3);
        rowsDouble = new double[rows.length][dim];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < dim; j++) {
                rowsDouble[i][j] = rows[i][j];
            }
        }
        rcf = ThresholdedRandomCutForest.builder().dimensions(dim).shingleSize(1).numberOfTrees(50).sampleSize(256)
                .transformMethod(TransformMethod.NORMALIZE).randomSeed(1).build();
        for (int i = 0; i < 2048; i++) {
            rcf.process(rowsDouble[i % rowsDouble.length], ts++);
        }
    }

    @Benchmark
    public double fastScorer() {
        next = (next + 1) & 8191;
        return fast.score(rows[next], 0, scratch);
    }

    @Benchmark
    public void rcfUpdateAndScore(Blackhole bh) {
        next = (next + 1) & 8191;
        bh.consume(rcf.process(rowsDouble[next], ts++));
    }
}
