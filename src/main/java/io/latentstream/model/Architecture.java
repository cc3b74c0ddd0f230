package io.latentstream.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Shape of a VAE/CVAE: input dimension, context one-hot width (0 for a plain VAE), hidden layer
 * sizes, latent size, leaky-ReLU slope and the clip applied to standardized inputs.
 *
 * <p>Weights are one flat float array laid out layer after layer as W (rows = inputs, row-major)
 * then b, in the order of {@link #layers()}: encoder hidden layers, μ head, log σ² head, decoder
 * hidden layers, output layer. Encoder input = features ++ context one-hot; decoder input =
 * z ++ context one-hot.
 */
public record Architecture(int inputDim, int contextWidth, int[] encoderHidden, int latentDim, int[] decoderHidden,
                           double leak, double inputClip) {
    public static final int MAX_DIM = 4096;
    public static final int MAX_WIDTH = 4096;
    /** Most context slots (the unknown slot included). */
    public static final int MAX_CONTEXT_WIDTH = 100_000;

    public Architecture {
        encoderHidden = encoderHidden.clone();
        decoderHidden = decoderHidden.clone();
        check(inputDim >= 1 && inputDim <= MAX_DIM, "inputDim " + inputDim + " not in 1.." + MAX_DIM);
        check(contextWidth >= 0 && contextWidth <= MAX_CONTEXT_WIDTH, "contextWidth " + contextWidth + " not in 0.." + MAX_CONTEXT_WIDTH);
        check(contextWidth != 1, "contextWidth must be 0 (no context) or >= 2 (unknown slot + values)");
        check(latentDim >= 1 && latentDim <= MAX_WIDTH, "latentDim " + latentDim + " not in 1.." + MAX_WIDTH);
        check(encoderHidden.length <= 8 && decoderHidden.length <= 8, "at most 8 hidden layers per side");
        for (int h : encoderHidden) {
            check(h >= 1 && h <= MAX_WIDTH, "hidden width " + h + " not in 1.." + MAX_WIDTH);
        }
        for (int h : decoderHidden) {
            check(h >= 1 && h <= MAX_WIDTH, "hidden width " + h + " not in 1.." + MAX_WIDTH);
        }
        check(leak >= 0 && leak < 1, "leak must be in [0, 1)");
        check(inputClip > 0 && Double.isFinite(inputClip), "inputClip must be positive");
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * Default clip of standardized inputs, in training standard deviations. It only bounds the
     * network's input (a wild value must not saturate every unit); it is high because a clipped
     * value can only be reconstructed, and so decoded from its latent, as the clip: at the former
     * 10, a sensor spike 60 deviations out came back from the compressed history as 10, and on
     * the shuttle data those few cells were most of the compression error (docs/quality.md).
     */
    public static final double DEFAULT_INPUT_CLIP = 100.0;

    /**
     * Defaults chosen from the input dimension: encoder hidden sizes max(16, 2d) then max(8, d),
     * latent ceil(d/4) (at least 2), decoder mirrored.
     */
    public static Architecture defaults(int inputDim, int contextWidth) {
        int h1 = Math.min(256, Math.max(16, 2 * inputDim));
        int h2 = Math.min(128, Math.max(8, inputDim));
        int k = Math.max(2, (inputDim + 3) / 4);
        return new Architecture(inputDim, contextWidth, new int[] {h1, h2}, k, new int[] {h2, h1}, 0.01, DEFAULT_INPUT_CLIP);
    }

    /** The same network with another number of context slots. */
    public Architecture withContextWidth(int width) {
        return new Architecture(inputDim, width, encoderHidden, latentDim, decoderHidden, leak, inputClip);
    }

    public boolean conditional() {
        return contextWidth > 0;
    }

    @Override
    public int[] encoderHidden() {
        return encoderHidden.clone();
    }

    @Override
    public int[] decoderHidden() {
        return decoderHidden.clone();
    }

    /** One dense layer: name, fan in, fan out, offset of W and of b in the flat weights. */
    public record Layer(String name, int in, int out, int weightOffset, int biasOffset) {
        public int size() {
            return in * out + out;
        }
    }

    /** The layers in weight order. */
    public List<Layer> layers() {
        List<Layer> out = new ArrayList<>();
        int offset = 0;
        int in = inputDim + contextWidth;
        for (int i = 0; i < encoderHidden.length; i++) {
            out.add(new Layer("enc" + i, in, encoderHidden[i], offset, offset + in * encoderHidden[i]));
            offset += in * encoderHidden[i] + encoderHidden[i];
            in = encoderHidden[i];
        }
        int encOut = in;
        out.add(new Layer("mu", encOut, latentDim, offset, offset + encOut * latentDim));
        offset += encOut * latentDim + latentDim;
        out.add(new Layer("logvar", encOut, latentDim, offset, offset + encOut * latentDim));
        offset += encOut * latentDim + latentDim;
        in = latentDim + contextWidth;
        for (int i = 0; i < decoderHidden.length; i++) {
            out.add(new Layer("dec" + i, in, decoderHidden[i], offset, offset + in * decoderHidden[i]));
            offset += in * decoderHidden[i] + decoderHidden[i];
            in = decoderHidden[i];
        }
        out.add(new Layer("out", in, inputDim, offset, offset + in * inputDim));
        return out;
    }

    /** Total number of float weights. */
    public long weightCount() {
        long n = 0;
        for (Layer l : layers()) {
            n += (long) l.in() * l.out() + l.out();
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Architecture a && inputDim == a.inputDim && contextWidth == a.contextWidth
                && latentDim == a.latentDim && Arrays.equals(encoderHidden, a.encoderHidden)
                && Arrays.equals(decoderHidden, a.decoderHidden) && leak == a.leak && inputClip == a.inputClip;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoderHidden) * 31 + Arrays.hashCode(decoderHidden) * 7 + inputDim + latentDim;
    }

    @Override
    public String toString() {
        return (inputDim + (contextWidth > 0 ? "+" + contextWidth + "ctx" : "")) + "-" + join(encoderHidden) + "-["
                + latentDim + "]-" + join(decoderHidden) + "-" + inputDim;
    }

    private static String join(int[] a) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            sb.append(i > 0 ? "-" : "").append(a[i]);
        }
        return sb.toString();
    }
}
