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
    /** "injected" (synthetic sensors) or "labelled" (a replayed file's label column); null: the file labels none. */
    private final String anomalies;
    private final boolean eventTimes;

    /**
     * @param labelled anomalies to catch in what is streamed: -1 for the synthetic sensors (injected
     *                 ones), else the replayed file's labelled rows (0: the file labels none)
     * @param eventTimes the readings carry a file's own event times, shown beside each alert
     */
    DemoView(PrintWriter out, boolean tty, long labelled, boolean eventTimes) {
        this.out = out;
        this.tty = tty;
        this.anomalies = labelled < 0 ? "injected" : labelled > 0 ? "labelled" : null;
        this.eventTimes = eventTimes;
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
        String retrains = String.format(Locale.ROOT, "retrains published %d, rejected %d, skipped %d",
                meters.retrainDecisions("published"), meters.retrainDecisions("rejected"), meters.retrainDecisions("skipped"));
        lines.add(anomalies == null
                ? String.format(Locale.ROOT, "        flagged %,d (the file labels no anomalies) | %s", monitor.falseAlarms.get(), retrains)
                : String.format(Locale.ROOT, "        %s anomalies caught %,d, missed %,d | false alarms %,d | %s", anomalies,
                monitor.caught.get(), monitor.missed.get(), monitor.falseAlarms.get(), retrains));
        if (tty) {
            lines.add("        latest anomalies:");
            for (DemoMonitor.Alert a : monitor.latest()) {
                lines.add("          " + alert(a));
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
                out.println("        latest anomaly: " + alert(a));
            }
        }
        out.flush();
    }

    /** One alert on a line: [event time] entity, score > threshold, [what the source put there, if it labels], top features. */
    String alert(DemoMonitor.Alert a) {
        return (eventTimes ? DemoMonitor.when(a.eventTimeMs()) + "  " : "") + String.format(Locale.ROOT, "%-8s score %7.2f %s %.2f  %s%s",
                a.entity(), a.score(), a.score() > a.threshold() ? ">" : "<", a.threshold(), anomalies == null ? "" : "[" + a.injected() + "] ", a.topFeatures());
    }

    void finish() {
        out.flush();
    }
}
