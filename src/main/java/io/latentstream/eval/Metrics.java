package io.latentstream.eval;

import java.util.Arrays;
import java.util.Comparator;

/** Ranking and thresholded metrics for anomaly scores (higher = more anomalous). */
public final class Metrics {
    private Metrics() {
    }

    /** ROC-AUC by the Mann-Whitney statistic with average ranks for ties. NaN when one class is absent. */
    public static double rocAuc(double[] scores, int[] labels) {
        int n = scores.length;
        Integer[] idx = sortedIndex(scores, false);
        double[] rank = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && scores[idx[j + 1]] == scores[idx[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) {
                rank[idx[t]] = avg;
            }
            i = j + 1;
        }
        long pos = Arrays.stream(labels).filter(l -> l == 1).count();
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (labels[i] == 1) {
                sum += rank[i];
            }
        }
        return (sum - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /** Average precision as scikit-learn defines it: Σ (R_n − R_{n−1}) P_n over score thresholds. */
    public static double averagePrecision(double[] scores, int[] labels) {
        int n = scores.length;
        Integer[] idx = sortedIndex(scores, true);
        long pos = Arrays.stream(labels).filter(l -> l == 1).count();
        if (pos == 0) {
            return Double.NaN;
        }
        double ap = 0;
        double prevRecall = 0;
        long tp = 0;
        long seen = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && scores[idx[j + 1]] == scores[idx[i]]) {
                j++;
            }
            for (int t = i; t <= j; t++) {
                tp += labels[idx[t]];
                seen++;
            }
            double recall = (double) tp / pos;
            double precision = (double) tp / seen;
            ap += (recall - prevRecall) * precision;
            prevRecall = recall;
            i = j + 1;
        }
        return ap;
    }

    /** F1 of "score > threshold" against the labels. */
    public static double f1(double[] scores, int[] labels, double threshold) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean flagged = scores[i] > threshold;
            if (flagged && labels[i] == 1) {
                tp++;
            } else if (flagged) {
                fp++;
            } else if (labels[i] == 1) {
                fn++;
            }
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    private static Integer[] sortedIndex(double[] scores, boolean descending) {
        Integer[] idx = new Integer[scores.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Comparator<Integer> c = Comparator.comparingDouble(i -> scores[i]);
        Arrays.sort(idx, descending ? c.reversed() : c);
        return idx;
    }
}
