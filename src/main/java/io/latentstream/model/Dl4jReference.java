package io.latentstream.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.Map;

/**
 * The bundle's network run by DL4J (the SameDiff graph that trains it), for the equivalence test
 * and as the baseline of the kernel benchmark. Not for the hot path: one ND4J call costs far more
 * than {@link FastScorer}'s whole forward pass.
 */
public final class Dl4jReference {
    private final ModelBundle bundle;
    private final VaeGraph graph;
    private final Normalization norm;
    private final Architecture arch;

    public Dl4jReference(ModelBundle bundle) {
        this.bundle = bundle;
        this.arch = bundle.architecture();
        this.norm = bundle.normalization();
        this.graph = VaeGraph.build(arch, bundle.weights(), bundle.manifest().training() == null ? 0 : bundle.manifest().training().beta());
    }

    /** Latents μ, expected values (original units) and scores for a batch of raw rows. */
    public record Output(float[][] latent, float[][] expected, double[] scores) {
    }

    public Output forward(float[][] rows, int[] slots) {
        int m = rows.length;
        int d = arch.inputDim();
        int cw = arch.contextWidth();
        float[] xb = new float[m * d];
        float[] cb = cw > 0 ? new float[m * cw] : null;
        float clip = (float) arch.inputClip();
        float[][] z = new float[m][d];
        for (int i = 0; i < m; i++) {
            int slot = slots == null ? 0 : slots[i];
            int row = norm.row(slot);
            for (int j = 0; j < d; j++) {
                float v = (rows[i][j] - norm.mean(row, j)) / norm.scale(row, j);
                z[i][j] = v;
                xb[i * d + j] = Math.max(-clip, Math.min(clip, v));
            }
            if (cb != null) {
                cb[i * cw + slot] = 1f;
            }
        }
        Map<String, INDArray> ph = new HashMap<>();
        ph.put("x", Nd4j.create(xb, new long[] {m, d}, DataType.FLOAT));
        if (cb != null) {
            ph.put("c", Nd4j.create(cb, new long[] {m, cw}, DataType.FLOAT));
        }
        ph.put("eps", Nd4j.zeros(DataType.FLOAT, m, arch.latentDim()));
        ph.put("w", Nd4j.ones(DataType.FLOAT, m, 1));
        Map<String, INDArray> out = graph.sd.output(ph, "mu", "xhat_mu");
        float[][] mu = out.get("mu").toFloatMatrix();
        float[][] xhat = out.get("xhat_mu").toFloatMatrix();
        float[] fw = bundle.manifest().scoring().featureWeights();
        float[][] expected = new float[m][d];
        double[] scores = new double[m];
        for (int i = 0; i < m; i++) {
            int row = norm.row(slots == null ? 0 : slots[i]);
            double sum = 0;
            for (int j = 0; j < d; j++) {
                double r = z[i][j] - xhat[i][j];
                sum += (fw == null ? 1 : fw[j]) * r * r;
                expected[i][j] = xhat[i][j] * norm.scale(row, j) + norm.mean(row, j);
            }
            scores[i] = sum / d;
        }
        return new Output(mu, expected, scores);
    }
}
