package io.latentstream.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * The VAE/CVAE as a DL4J SameDiff graph, built in code from an {@link Architecture} and flat
 * weights. SameDiff (not DL4J's VariationalAutoencoder layer) because we need a β-weighted KL
 * term, a per-row weight (trimmed loss), a conditional input to both encoder and decoder and
 * weights that map one-to-one to our bundle layout.
 *
 * <p>Placeholders: {@code x} [n, d] standardized (clipped) input, {@code c} [n, C] context one-hot
 * (conditional only), {@code eps} [n, k] noise, {@code w} [n, 1] row weights summing to 1.
 * Outputs: {@code mu}, {@code logvar}, {@code xhat_mu} = decode(μ), {@code rec}, {@code kl},
 * {@code per_row} = rec + β·kl (with z = μ + σ·eps), and the loss {@code loss} = Σ w·per_row.
 */
final class VaeGraph {
    final SameDiff sd;
    final Architecture arch;
    final List<Architecture.Layer> layers;

    private VaeGraph(SameDiff sd, Architecture arch) {
        this.sd = sd;
        this.arch = arch;
        this.layers = arch.layers();
    }

    static VaeGraph build(Architecture a, float[] weights, double beta) {
        SameDiff sd = SameDiff.create();
        VaeGraph g = new VaeGraph(sd, a);
        int d = a.inputDim();
        int k = a.latentDim();
        int cw = a.contextWidth();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, d);
        SDVariable c = cw > 0 ? sd.placeHolder("c", DataType.FLOAT, -1, cw) : null;
        SDVariable eps = sd.placeHolder("eps", DataType.FLOAT, -1, k);
        SDVariable w = sd.placeHolder("w", DataType.FLOAT, -1, 1);
        SDVariable[] wv = new SDVariable[g.layers.size()];
        SDVariable[] bv = new SDVariable[g.layers.size()];
        for (int i = 0; i < g.layers.size(); i++) {
            Architecture.Layer l = g.layers.get(i);
            float[] wData = java.util.Arrays.copyOfRange(weights, l.weightOffset(), l.weightOffset() + l.in() * l.out());
            float[] bData = java.util.Arrays.copyOfRange(weights, l.biasOffset(), l.biasOffset() + l.out());
            wv[i] = sd.var("W_" + l.name(), Nd4j.create(wData, new long[] {l.in(), l.out()}, DataType.FLOAT));
            bv[i] = sd.var("b_" + l.name(), Nd4j.create(bData, new long[] {1, l.out()}, DataType.FLOAT));
        }
        int enc = a.encoderHidden().length;
        SDVariable h = cw > 0 ? sd.concat(1, x, c) : x;
        for (int i = 0; i < enc; i++) {
            h = sd.nn().leakyRelu(h.mmul(wv[i]).add(bv[i]), a.leak());
        }
        SDVariable mu = h.mmul(wv[enc]).add("mu", bv[enc]);
        SDVariable logvar = h.mmul(wv[enc + 1]).add("logvar", bv[enc + 1]);
        SDVariable z = mu.add(eps.mul(sd.math().exp(logvar.mul(0.5))));
        SDVariable xhat = g.decode(z, c, wv, bv, enc + 2);
        SDVariable xhatMu = g.decode(mu, c, wv, bv, enc + 2);
        sd.identity("xhat_mu", xhatMu);
        SDVariable rec = sd.math().square(x.sub(xhat)).sum("rec", true, 1).mul(0.5);
        SDVariable kl = logvar.add(1.0).sub(mu.mul(mu)).sub(sd.math().exp(logvar)).sum("kl_raw", true, 1).mul(-0.5);
        sd.identity("kl", kl);
        SDVariable perRow = rec.add("per_row", kl.mul(beta));
        perRow.mul(w).sum("loss");
        sd.setLossVariables("loss");
        return g;
    }

    private SDVariable decode(SDVariable z, SDVariable c, SDVariable[] wv, SDVariable[] bv, int first) {
        SDVariable h = c != null ? sd.concat(1, z, c) : z;
        int last = layers.size() - 1;
        for (int i = first; i < last; i++) {
            h = sd.nn().leakyRelu(h.mmul(wv[i]).add(bv[i]), arch.leak());
        }
        return h.mmul(wv[last]).add(bv[last]);
    }

    /** The current weights in bundle layout. */
    float[] weights() {
        float[] out = new float[(int) arch.weightCount()];
        for (Architecture.Layer l : layers) {
            float[] w = sd.getVariable("W_" + l.name()).getArr().dup('c').data().asFloat();
            float[] b = sd.getVariable("b_" + l.name()).getArr().dup('c').data().asFloat();
            System.arraycopy(w, 0, out, l.weightOffset(), w.length);
            System.arraycopy(b, 0, out, l.biasOffset(), b.length);
        }
        return out;
    }

    /** Overwrites the weights (restoring the best epoch). */
    void setWeights(float[] weights) {
        for (Architecture.Layer l : layers) {
            INDArray w = sd.getVariable("W_" + l.name()).getArr();
            INDArray b = sd.getVariable("b_" + l.name()).getArr();
            w.assign(Nd4j.create(java.util.Arrays.copyOfRange(weights, l.weightOffset(), l.weightOffset() + l.in() * l.out()),
                    new long[] {l.in(), l.out()}, DataType.FLOAT));
            b.assign(Nd4j.create(java.util.Arrays.copyOfRange(weights, l.biasOffset(), l.biasOffset() + l.out()),
                    new long[] {1, l.out()}, DataType.FLOAT));
        }
    }

    /** Xavier-uniform weights, zero biases, from a seeded Java RNG (deterministic across runs). */
    static float[] initialWeights(Architecture a, long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        float[] w = new float[(int) a.weightCount()];
        for (Architecture.Layer l : a.layers()) {
            double limit = Math.sqrt(6.0 / (l.in() + l.out()));
            if (l.name().equals("logvar")) {
                limit *= 0.1; // start near σ = 1 so early KL gradients are tame
            }
            for (int i = 0; i < l.in() * l.out(); i++) {
                w[l.weightOffset() + i] = (float) ((rnd.nextDouble() * 2 - 1) * limit);
            }
        }
        return w;
    }
}
