package io.latentstream.model;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * The deterministic scoring path of a plain VAE (encoder → μ → decoder) as a DL4J
 * {@link MultiLayerNetwork} with the bundle's weights: DL4J's cheapest inference, {@code output()}.
 * The honest baseline of the kernel benchmark. Plain VAE only (no context input).
 */
public final class Dl4jNetworkBaseline {
    private final MultiLayerNetwork net;
    private final int d;

    public Dl4jNetworkBaseline(ModelBundle bundle) {
        Architecture a = bundle.architecture();
        if (a.conditional()) {
            throw new IllegalArgumentException("the network baseline covers plain VAEs only");
        }
        this.d = a.inputDim();
        List<Architecture.Layer> layers = a.layers();
        // The μ path: encoder hidden layers, μ head (skip log σ²), decoder hidden layers, output.
        List<Architecture.Layer> path = new java.util.ArrayList<>();
        for (Architecture.Layer l : layers) {
            if (!l.name().equals("logvar")) {
                path.add(l);
            }
        }
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list();
        for (int i = 0; i < path.size(); i++) {
            Architecture.Layer l = path.get(i);
            boolean linear = l.name().equals("mu") || l.name().equals("out");
            b.layer(new DenseLayer.Builder().nIn(l.in()).nOut(l.out())
                    .activation(linear ? new org.nd4j.linalg.activations.impl.ActivationIdentity() : new ActivationLReLU(a.leak())).build());
        }
        MultiLayerConfiguration conf = b.build();
        net = new MultiLayerNetwork(conf);
        net.init();
        float[] w = bundle.weightsUnsafe();
        for (int i = 0; i < path.size(); i++) {
            Architecture.Layer l = path.get(i);
            net.getLayer(i).setParam("W", Nd4j.create(Arrays.copyOfRange(w, l.weightOffset(), l.weightOffset() + l.in() * l.out()),
                    new long[] {l.in(), l.out()}, DataType.FLOAT));
            net.getLayer(i).setParam("b", Nd4j.create(Arrays.copyOfRange(w, l.biasOffset(), l.biasOffset() + l.out()),
                    new long[] {1, l.out()}, DataType.FLOAT));
        }
    }

    /** decode(μ(x)) for a batch of standardized, clipped rows (row-major, rows × d). */
    public INDArray output(INDArray standardized) {
        return net.output(standardized);
    }

    /** A batch of rows as the network's input array. */
    public INDArray input(float[][] rows) {
        float[] flat = new float[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        return Nd4j.create(flat, new long[] {rows.length, d}, DataType.FLOAT);
    }
}
