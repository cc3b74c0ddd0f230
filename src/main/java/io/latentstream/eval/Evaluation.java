package io.latentstream.eval;

import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The evaluation protocol of {@code ../shared/data/README.md}.
 *
 * <ul>
 *   <li>A (semi-supervised): train on a random 60% of the normal rows (seeded, seed 42); test on
 *       the other normal rows plus every anomaly.</li>
 *   <li>B (streaming, unsupervised): train on the first 30% of rows in file order, labels unused;
 *       test on the remaining 70% in order.</li>
 * </ul>
 * Metrics: ROC-AUC, average precision, F1 at the model's threshold, and compression NRMSE
 * (standardized with the training rows' mean and deviation) on the normal test rows; the same
 * for PCA with the same k, fitted on the same training rows in the same run.
 */
public final class Evaluation {
    private Evaluation() {
    }

    public enum Protocol { A, B }

    /** Row indices of the training and test sets. */
    public record Split(Protocol protocol, int[] train, int[] test) {
    }

    public static Split split(LabelledCsv data, Protocol p, long seed) {
        int n = data.rows();
        if (p == Protocol.B) {
            int cut = (int) Math.floor(n * 0.3);
            int[] train = range(0, cut);
            int[] test = range(cut, n);
            return new Split(p, train, test);
        }
        if (!data.labelled()) {
            throw new IllegalArgumentException("protocol A needs a label column");
        }
        List<Integer> normal = new ArrayList<>();
        List<Integer> anomalies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            (data.labels()[i] == 0 ? normal : anomalies).add(i);
        }
        java.util.Collections.shuffle(normal, new Random(seed));
        int nTrain = (int) Math.round(normal.size() * 0.6);
        int[] train = normal.subList(0, nTrain).stream().mapToInt(Integer::intValue).sorted().toArray();
        List<Integer> test = new ArrayList<>(normal.subList(nTrain, normal.size()));
        test.addAll(anomalies);
        return new Split(p, train, test.stream().mapToInt(Integer::intValue).sorted().toArray());
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /**
     * Figures of one method on one split. ROC-AUC, AP and F1 are null when the test rows hold no
     * labelled anomaly (an unlabelled file); {@code flagged} is the share of test rows the method
     * flags at its own threshold, which on normal rows is its false-alarm rate.
     */
    public record Figures(Double rocAuc, Double averagePrecision, Double f1, double flagged, double nrmse, int k) {
        static Figures of(double rocAuc, double averagePrecision, double f1, double flagged, double nrmse, int k) {
            boolean labelled = Double.isFinite(rocAuc);
            return new Figures(labelled ? rocAuc : null, labelled ? averagePrecision : null, labelled ? f1 : null, flagged, nrmse, k);
        }
    }

    /** The report of one evaluation. */
    public record Report(String dataset, Protocol protocol, int trainRows, int testRows, int testAnomalies,
                         Figures model, Figures pca, double microsPerRecord, long modelVersion) {
        public String table() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%s, protocol %s: %d training rows, %d test rows (%d anomalies)%n",
                    dataset, protocol, trainRows, testRows, testAnomalies));
            sb.append(String.format(Locale.ROOT, "%-16s %8s %8s %8s %8s %8s %4s%n", "method", "ROC-AUC", "AP", "F1", "flagged", "NRMSE",
                    "k"));
            sb.append(row("latentstream VAE", model));
            sb.append(row("PCA (same k)", pca));
            sb.append(String.format(Locale.ROOT, "%-16s %8s %8s %8s %8s %8s%n", "ratio VAE/PCA",
                    ratio(model.rocAuc(), pca.rocAuc()), ratio(model.averagePrecision(), pca.averagePrecision()),
                    ratio(model.f1(), pca.f1()), "-", ratio(model.nrmse(), pca.nrmse())));
            if (testAnomalies == 0) {
                sb.append("no labelled anomaly among the test rows: ROC-AUC, AP and F1 need one; \"flagged\" is each method's "
                        + "false-alarm rate at its own threshold (the model's calibrated quantile, PCA's 99th percentile of its training scores)\n");
            }
            sb.append(String.format(Locale.ROOT, "scoring: %.2f µs/record (fast scorer, one thread)%n", microsPerRecord));
            return sb.toString();
        }

        private static String row(String name, Figures f) {
            return String.format(Locale.ROOT, "%-16s %8s %8s %8s %7.2f%% %8.4f %4d%n", name, figure(f.rocAuc()), figure(f.averagePrecision()),
                    figure(f.f1()), 100 * f.flagged(), f.nrmse(), f.k());
        }

        static String figure(Double v) {
            return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
        }

        private static String ratio(Double a, Double b) {
            return a != null && b != null && Double.isFinite(a / b) ? String.format(Locale.ROOT, "%.3f", a / b) : "-";
        }
    }

    public static Report evaluate(ModelBundle bundle, LabelledCsv data, Split split) {
        if (!data.labelled()) {
            throw new IllegalArgumentException(data.file() + " has no label column: ROC-AUC needs labels");
        }
        if (!bundle.features().equals(data.features())) {
            throw new IllegalArgumentException("model features " + bundle.features() + " differ from the file's "
                    + data.features());
        }
        LabelledCsv train = data.subset(split.train());
        LabelledCsv test = data.subset(split.test());
        FastScorer scorer = new FastScorer(bundle);
        int k = scorer.latentDim();
        Pca pca = Pca.fit(train.x(), k);

        FastScorer.Scratch s = scorer.newScratch();
        double[] scores = new double[test.rows()];
        float[] row = new float[scorer.inputDim()];
        double sq = 0;
        long cells = 0;
        List<double[]> normalRows = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < test.rows(); i++) {
            double[] xi = test.x()[i];
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) xi[j];
            }
            int slot = test.contexts() == null ? 0 : scorer.contextSlot(test.contexts()[i]);
            scores[i] = scorer.score(row, slot, s);
            if (test.labels()[i] == 0) {
                normalRows.add(xi);
                for (int j = 0; j < row.length; j++) {
                    double e = (xi[j] - s.expected[j]) / pca.std(j);
                    sq += e * e;
                    cells++;
                }
            }
        }
        double micros = (System.nanoTime() - t0) / 1e3 / Math.max(1, test.rows());
        double nrmse = Math.sqrt(sq / Math.max(1, cells));
        int anomalies = (int) java.util.Arrays.stream(test.labels()).filter(l -> l == 1).count();
        long modelFlags = java.util.Arrays.stream(scores).filter(scorer::isAnomaly).count();
        Figures model = Figures.of(Metrics.rocAuc(scores, test.labels()), Metrics.averagePrecision(scores, test.labels()),
                f1Flagged(scorer::isAnomaly, scores, test.labels()), (double) modelFlags / Math.max(1, scores.length), nrmse, k);

        double[] pcaTrain = pca.scores(train.x());
        double[] sortedTrain = pcaTrain.clone();
        java.util.Arrays.sort(sortedTrain);
        double pcaThreshold = sortedTrain[(int) Math.min(sortedTrain.length - 1, Math.floor(0.99 * (sortedTrain.length - 1)))];
        double[] pcaScores = pca.scores(test.x());
        long pcaFlags = java.util.Arrays.stream(pcaScores).filter(v -> v > pcaThreshold).count();
        Figures pcaFig = Figures.of(Metrics.rocAuc(pcaScores, test.labels()), Metrics.averagePrecision(pcaScores, test.labels()),
                Metrics.f1(pcaScores, test.labels(), pcaThreshold), (double) pcaFlags / Math.max(1, pcaScores.length),
                pca.nrmse(normalRows.toArray(new double[0][])), k);
        return new Report(data.file().getFileName().toString(), split.protocol(), split.train().length, split.test().length,
                anomalies, model, pcaFig, micros, bundle.version());
    }

    /**
     * The test rows scored again with {@code hidden} features of each row hidden (chosen at random,
     * seeded), as the processor scores a record lacking them ({@code input.missing.max}): the model
     * imputes them and scores the rest. ROC-AUC, AP, F1 and the share flagged as in {@link Figures}, the
     * share of the normal test rows flagged (false alarms; and of the same rows whole),
     * and the imputation error on the hidden cells of the normal test rows (RMSE standardized with the
     * training rows' deviation, as NRMSE): the model's, PCA's with the same k filling them the same
     * way, and the training mean's (what filling in the mean would give).
     */
    public record Imputation(int hidden, Double rocAuc, Double averagePrecision, Double f1, double flagged, double falseAlarms,
                             double falseAlarmsWhole, double nrmseModel, double nrmsePca, double nrmseMean) {
        public String table() {
            return String.format(Locale.ROOT, "%d of each test row's features hidden, the model imputing them:%n", hidden)
                    + String.format(Locale.ROOT, "%-16s %8s %8s %8s %8s %13s%n", "", "ROC-AUC", "AP", "F1", "flagged", "false alarms")
                    + String.format(Locale.ROOT, "%-16s %8s %8s %8s %7.2f%% %12.2f%%  (whole rows: %.2f%%)%n", "latentstream VAE",
                    Report.figure(rocAuc), Report.figure(averagePrecision), Report.figure(f1), 100 * flagged, 100 * falseAlarms,
                    100 * falseAlarmsWhole)
                    + String.format(Locale.ROOT, "imputation error on the hidden cells of normal rows (NRMSE): VAE %.4f, PCA (same k) %.4f, "
                    + "training mean %.4f%n", nrmseModel, nrmsePca, nrmseMean);
        }
    }

    public static Imputation hidden(ModelBundle bundle, LabelledCsv data, Split split, int hidden, long seed) {
        int d = data.features().size();
        if (hidden < 1 || hidden >= d) {
            throw new IllegalArgumentException("features to hide must be 1.." + (d - 1) + " (the file has " + d + ")");
        }
        LabelledCsv train = data.subset(split.train());
        LabelledCsv test = data.subset(split.test());
        FastScorer scorer = new FastScorer(bundle);
        Pca pca = Pca.fit(train.x(), scorer.latentDim());
        FastScorer.Scratch s = scorer.newScratch();
        Random rnd = new Random(seed);
        double[] scores = new double[test.rows()];
        float[] row = new float[d];
        boolean[] missing = new boolean[d];
        int[] order = new int[d];
        double sqModel = 0;
        double sqPca = 0;
        double sqMean = 0;
        long cells = 0;
        for (int i = 0; i < test.rows(); i++) {
            double[] xi = test.x()[i];
            for (int j = 0; j < d; j++) {
                order[j] = j;
            }
            java.util.Arrays.fill(missing, false);
            for (int h = 0; h < hidden; h++) { // the first `hidden` of a seeded shuffle
                int pick = h + rnd.nextInt(d - h);
                int t = order[h];
                order[h] = order[pick];
                order[pick] = t;
                missing[order[h]] = true;
            }
            for (int j = 0; j < d; j++) {
                row[j] = missing[j] ? Float.NaN : (float) xi[j];
            }
            int slot = test.contexts() == null ? 0 : scorer.contextSlot(test.contexts()[i]);
            scores[i] = scorer.scoreImputing(row, slot, s);
            if (test.labels()[i] == 0) {
                double[] byPca = pca.impute(xi, missing, 100);
                for (int j = 0; j < d; j++) {
                    if (missing[j]) {
                        double truth = (xi[j] - pca.mean(j)) / pca.std(j);
                        sqModel += Math.pow((s.expected[j] - pca.mean(j)) / pca.std(j) - truth, 2);
                        sqPca += Math.pow(byPca[j] - truth, 2);
                        sqMean += truth * truth;
                        cells++;
                    }
                }
            }
        }
        long flags = java.util.Arrays.stream(scores).filter(scorer::isAnomalyImputed).count();
        long normal = 0;
        long normalFlagged = 0;
        long normalFlaggedWhole = 0;
        for (int i = 0; i < scores.length; i++) {
            if (test.labels()[i] == 0) {
                normal++;
                normalFlagged += scorer.isAnomalyImputed(scores[i]) ? 1 : 0;
                for (int j = 0; j < d; j++) {
                    row[j] = (float) test.x()[i][j];
                }
                int slot = test.contexts() == null ? 0 : scorer.contextSlot(test.contexts()[i]);
                normalFlaggedWhole += scorer.isAnomaly(scorer.score(row, slot, s)) ? 1 : 0;
            }
        }
        Figures f = Figures.of(Metrics.rocAuc(scores, test.labels()), Metrics.averagePrecision(scores, test.labels()),
                f1Flagged(scorer::isAnomalyImputed, scores, test.labels()), (double) flags / Math.max(1, scores.length), 0,
                scorer.latentDim());
        long n = Math.max(1, cells);
        return new Imputation(hidden, f.rocAuc(), f.averagePrecision(), f.f1(), f.flagged(),
                (double) normalFlagged / Math.max(1, normal), (double) normalFlaggedWhole / Math.max(1, normal), Math.sqrt(sqModel / n),
                Math.sqrt(sqPca / n), Math.sqrt(sqMean / n));
    }

    /** F1 of the model's own anomaly decision ({@code flags}: threshold, direction, sensitivity). */
    private static double f1Flagged(java.util.function.DoublePredicate flags, double[] scores, int[] labels) {
        long tp = 0;
        long fp = 0;
        long fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean flagged = flags.test(scores[i]);
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
}
