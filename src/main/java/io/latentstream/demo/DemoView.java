package io.latentstream.demo;

import io.latentstream.model.FastScorer;
import io.latentstream.ops.Meters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The live terminal view: redrawn in place on a TTY, a plain line every 5 s otherwise. */
final class DemoView {
    private final PrintWriter out;
    private final boolean tty;
    private int drawnLines;
    private long lastProduced;
    private long lastScored;
    private double lastT;

    DemoView(PrintWriter out, boolean tty) {
        this.out = out;
        this.tty = tty;
    }

    void render(double t, long produced, long acked, Meters meters, DemoMonitor monitor, FastScorer scorer) {
        double dt = Math.max(1e-3, t - lastT);
        long scored = meters.scoredCount() + meters.deadLetteredCount();
        double in = (produced - lastProduced) / dt;
        double outRate = (scored - lastScored) / dt;
        lastProduced = produced;
        lastScored = scored;
        lastT = t;
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "[%4.0fs] in %6.0f rec/s | out %6.0f rec/s | produced %,d | scored %,d | dead-lettered %,d | anomalies %,d | model v%d",
                t, in, outRate, produced, meters.scoredCount(), meters.deadLetteredCount(), meters.anomalyCount(), scorer.version()));
        lines.add(String.format(Locale.ROOT, "        injected anomalies caught %,d, missed %,d | false alarms %,d | retrains published %d, rejected %d, skipped %d",
                monitor.caught.get(), monitor.missed.get(), monitor.falseAlarms.get(), meters.retrainDecisions("published"),
                meters.retrainDecisions("rejected"), meters.retrainDecisions("skipped")));
        if (tty) {
            lines.add("        latest anomalies:");
            for (DemoMonitor.Alert a : monitor.latest()) {
                lines.add(String.format(Locale.ROOT, "          %-8s score %7.2f > %.2f  [%s] %s", a.entity(), a.score(), a.threshold(),
                        a.injected(), a.topFeatures()));
            }
            StringBuilder sb = new StringBuilder();
            if (drawnLines > 0) {
                sb.append("\033[").append(drawnLines).append("A\033[J"); // cursor up, clear to end
            }
            for (String l : lines) {
                sb.append(l).append('\n');
            }
            out.print(sb);
            drawnLines = lines.size();
        } else if (Math.round(t) % 5 == 0) {
            for (String l : lines) {
                out.println(l);
            }
            List<DemoMonitor.Alert> latest = monitor.latest();
            if (!latest.isEmpty()) {
                DemoMonitor.Alert a = latest.get(0);
                out.println(String.format(Locale.ROOT, "        latest anomaly: %s score %.2f > %.2f [%s] %s", a.entity(), a.score(),
                        a.threshold(), a.injected(), a.topFeatures()));
            }
        }
        out.flush();
    }

    void finish() {
        out.flush();
    }
}
