package io.latentstream.topology;

import io.latentstream.model.FastScorer;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The model the stream threads score with. Reading is one volatile load; a swap (model lifecycle)
 * replaces the reference atomically, so each record is scored entirely by one version.
 */
public final class ModelRef {
    private final AtomicReference<FastScorer> current = new AtomicReference<>();

    public ModelRef() {
    }

    public ModelRef(FastScorer initial) {
        current.set(initial);
    }

    /** The active scorer, or null while no valid model is loaded. */
    public FastScorer current() {
        return current.get();
    }

    public void set(FastScorer scorer) {
        current.set(scorer);
    }
}
