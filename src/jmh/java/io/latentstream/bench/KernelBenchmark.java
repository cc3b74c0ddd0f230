package io.latentstream.bench;

import io.latentstream.model.Dl4jNetworkBaseline;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * Fast scorer (full score: standardize, μ, decode, contributions; {@code scoreBatch} for a batch) vs DL4J MultiLayerNetwork.output()
 * (reconstruction only) on the same weights, per call of {@code batch} records, for
 * input dimensions 9, 64, 128 (latent ceil(d/4)). Divide by batch for the per-record cost;
 * {@code latentstream bench kernel} prints the per-record figures and the ratios.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseParallelGC", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
        "--add-modules=jdk.incubator.vector"})
public class KernelBenchmark {
    @Param({"9", "64", "128"})
    int dim;

    @Param({"1", "64", "1024"})
    int batch;

    private FastScorer fast;
    private FastScorer.Scratch scratch;
    private FastScorer.Batch fastBatch;
    private Dl4jNetworkBaseline dl4j;
    private float[][] rows;
    private org.nd4j.linalg.api.ndarray.INDArray input;

    @Setup
    public void setup() {
        ModelBundle b = BenchModels.randomBundle(dim, 7);
        fast = new FastScorer(b);
        scratch = fast.newScratch();
        fastBatch = fast.newBatch(batch);
        dl4j = new Dl4jNetworkBaseline(b);
        rows = BenchModels.rows(batch, dim, 3);
        input = dl4j.input(rows); // inputs are already standardized (mean 0, scale 1 in the bench bundle)
    }

    /** One record through score(); a batch through scoreBatch() (a matrix product per layer). */
    @Benchmark
    public void fastScorer(Blackhole bh) {
        if (batch == 1) {
            bh.consume(fast.score(rows[0], 0, scratch));
        } else {
            fast.scoreBatch(rows, null, batch, fastBatch);
            bh.consume(fastBatch.scores);
        }
    }

    /** DL4J's MultiLayerNetwork.output() on the same weights: the reconstruction of the whole batch. */
    @Benchmark
    public void dl4jOutput(Blackhole bh) {
        bh.consume(dl4j.output(input));
    }
}
