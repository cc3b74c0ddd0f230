package io.latentstream.model;

import java.util.List;

/**
 * A trained model as a value: the {@link Manifest} plus the flat float32 weights in
 * {@link Architecture} order. Immutable; read and written only by {@link BundleCodec}.
 */
public record ModelBundle(Manifest manifest, float[] weights) {
    public ModelBundle {
        weights = weights.clone();
    }

    /** The weights (a copy). */
    @Override
    public float[] weights() {
        return weights.clone();
    }

    float[] weightsUnsafe() {
        return weights;
    }

    public long version() {
        return manifest.version();
    }

    public List<String> features() {
        return manifest.features();
    }

    public boolean conditional() {
        return manifest.context() != null;
    }

    /** Context slots: 0 (unknown) + vocabulary size, or 0 for a plain VAE. */
    public int contextWidth() {
        return conditional() ? manifest.context().vocabulary().size() + 1 : 0;
    }

    public Architecture architecture() {
        Manifest.ArchitectureSpec a = manifest.architecture();
        return new Architecture(manifest.features().size(), contextWidth(), a.encoderHidden(), a.latentDim(),
                a.decoderHidden(), a.leak(), a.inputClip());
    }

    public Normalization normalization() {
        return new Normalization(manifest.normalization().mean(), manifest.normalization().scale());
    }
}
