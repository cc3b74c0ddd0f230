package io.latentstream.model;

import java.util.List;

/**
 * Rows to train on: feature values, and for a conditional model each row's context value.
 *
 * @param features     feature names (column order)
 * @param x            rows × features, finite
 * @param contexts     context value per row, or null for a plain VAE
 * @param contextColumn name of the context column, or null
 * @param source       where the rows came from (file path or topic), for provenance
 * @param heldOut      per row, true for a row the live model flagged as anomalous: never trained on, but
 *                     kept to calibrate the threshold (see {@link VaeTrainer}); null when there are none
 */
public record TrainingData(List<String> features, double[][] x, String[] contexts, String contextColumn, String source,
                           boolean[] heldOut) {
    public TrainingData {
        features = List.copyOf(features);
        if (x.length == 0) {
            throw new IllegalArgumentException("no training rows");
        }
        if (contexts != null && contexts.length != x.length) {
            throw new IllegalArgumentException("contexts has " + contexts.length + " entries for " + x.length + " rows");
        }
        if (heldOut != null && heldOut.length != x.length) {
            throw new IllegalArgumentException("heldOut has " + heldOut.length + " entries for " + x.length + " rows");
        }
        for (double[] row : x) {
            if (row.length != features.size()) {
                throw new IllegalArgumentException("row of " + row.length + " values for " + features.size() + " features");
            }
        }
    }

    /** Rows to train on, all of them. */
    public TrainingData(List<String> features, double[][] x, String[] contexts, String contextColumn, String source) {
        this(features, x, contexts, contextColumn, source, null);
    }

    /** All rows, held-out ones included. */
    public int rows() {
        return x.length;
    }

    /** Rows that may be trained on (all but the held-out ones). */
    public int trainableRows() {
        int n = x.length;
        if (heldOut != null) {
            for (boolean h : heldOut) {
                n -= h ? 1 : 0;
            }
        }
        return n;
    }

    public boolean isHeldOut(int row) {
        return heldOut != null && heldOut[row];
    }

    public int dim() {
        return features.size();
    }
}
