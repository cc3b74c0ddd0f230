package io.latentstream.cli;

import io.latentstream.model.VaeTrainer;

import java.io.PrintWriter;
import java.util.Locale;

/** A progress bar for training: epoch, loss, validation loss, ETA; in place on a TTY, lines otherwise. */
final class TrainingProgress implements VaeTrainer.Progress {
    private final PrintWriter out;
    private final boolean tty;
    private long lastLine;

    TrainingProgress(PrintWriter out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    @Override
    public void epoch(int epoch, int maxEpochs, double trainLoss, double validationLoss, boolean improved, double elapsed) {
        int width = 24;
        int filled = (int) Math.round(width * (double) epoch / maxEpochs);
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        double eta = elapsed / epoch * (maxEpochs - epoch);
        String line = String.format(Locale.ROOT, "epoch %3d/%d [%s] loss %.4f  val %.4f%s  %.0fs  ETA ≤ %.0fs",
                epoch, maxEpochs, bar, trainLoss, validationLoss, improved ? " *" : "  ", elapsed, eta);
        if (tty) {
            out.print("\r" + line);
            out.flush();
        } else if (System.nanoTime() - lastLine > 2_000_000_000L || epoch == 1) {
            out.println(line);
            out.flush();
            lastLine = System.nanoTime();
        }
    }

    @Override
    public void refit(int keptRows, int excludedRows, double validationLoss) {
        if (tty) {
            out.println();
        }
        out.println(String.format(Locale.ROOT, "refit without trimming on %d training rows (%d far-out rows left out); "
                + "val from here on is the plain mean over the validation rows inside the same fence, not the trimmed "
                + "mean, so it jumps (%.4f at the start)", keptRows, excludedRows, validationLoss));
        out.flush();
        lastLine = 0;
    }

    void done() {
        if (tty) {
            out.println();
            out.flush();
        }
    }
}
