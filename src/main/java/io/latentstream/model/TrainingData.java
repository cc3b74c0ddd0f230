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
 */
public record TrainingData(List<String> features, double[][] x, String[] contexts, String contextColumn, String source) {
    public TrainingData {
        features = List.copyOf(features);
        if (x.length == 0) {
            throw new IllegalArgumentException("no training rows");
        }
        if (contexts != null && contexts.length != x.length) {
            throw new IllegalArgumentException("contexts has " + contexts.length + " entries for " + x.length + " rows");
        }
        for (double[] row : x) {
            if (row.length != features.size()) {
                throw new IllegalArgumentException("row of " + row.length + " values for " + features.size() + " features");
            }
        }
    }

    public int rows() {
        return x.length;
    }

    public int dim() {
        return features.size();
    }
}
