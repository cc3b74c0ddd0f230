/** Evaluation: labelled CSV files, the shared evaluation protocols (A, B), metrics and the PCA baseline. */
package io.latentstream.eval;
