package io.latentstream.demo;

import io.latentstream.eval.LabelledCsv;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Where the demo's records come from: the synthetic sensors, or a replay of a labelled CSV file. */
interface DemoSource {
    List<String> features();

    /** Context column name of the first model (null: a plain VAE). */
    String contextColumn();

    /** The next reading, or null when the source is exhausted. */
    SensorSimulator.Reading next();

    /** Starts the scripted level shift (synthetic source only). */
    default SensorSimulator.Reading nextWithLevelShift() {
        return next();
    }

    String describe();

    /** A replay of a file (its rows, its labels), not the synthetic sensors. */
    default boolean isReplay() {
        return false;
    }

    /** Readings carry the file's own event times (its ts column), worth showing beside an alert. */
    default boolean hasEventTimes() {
        return false;
    }

    /** Rows labelled anomalous among those given by {@link #next()} after the first {@code skip}. */
    default long labelledAnomaliesAfter(int skip) {
        return -1;
    }

    /** The synthetic multi-sensor stream. */
    static DemoSource synthetic(SensorSimulator sim) {
        return new DemoSource() {
            @Override
            public List<String> features() {
                return SensorSimulator.FEATURES;
            }

            @Override
            public String contextColumn() {
                return "entity";
            }

            @Override
            public SensorSimulator.Reading next() {
                return sim.next();
            }

            @Override
            public SensorSimulator.Reading nextWithLevelShift() {
                return sim.shiftLevel();
            }

            @Override
            public String describe() {
                return sim.entities() + " synthetic entities, " + SensorSimulator.FEATURES.size() + " sensors";
            }
        };
    }

    /**
     * A replay of a CSV in the ../shared/data layout, in file order: a "context" column (if present)
     * becomes the record key and the model's context (without one, every row is keyed by the file's
     * name), "label" = 1 rows count as anomalies to catch, and a "ts" column is the readings' event
     * time (the json {@code ts} the score records carry); without one, readings are a second apart.
     */
    static DemoSource replay(Path file) throws IOException {
        List<String> header;
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(file)) {
            header = LabelledCsv.split(lines.findFirst().orElse(""));
        }
        String context = header.contains("context") ? "context" : null;
        LabelledCsv t = LabelledCsv.read(file, context, "label");
        long start = 1_767_225_600_000L;
        String name = file.getFileName().toString();
        String fileKey = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
        LabelledCsv.EventTimes times = t.eventTimes();
        return new DemoSource() {
            private int i;

            @Override
            public List<String> features() {
                return t.features();
            }

            @Override
            public String contextColumn() {
                return t.contextColumn();
            }

            @Override
            public SensorSimulator.Reading next() {
                if (i >= t.rows()) {
                    return null;
                }
                int row = i++;
                String key = t.contexts() == null ? fileKey : t.contexts()[row];
                boolean anomaly = t.labels() != null && t.labels()[row] == 1;
                long ts = times.present() ? times.millis()[row] : start + row * 1000L;
                return new SensorSimulator.Reading(key, ts, Arrays.copyOf(t.x()[row], t.x()[row].length),
                        anomaly ? SensorSimulator.Injected.LABELLED : SensorSimulator.Injected.NONE);
            }

            @Override
            public boolean isReplay() {
                return true;
            }

            @Override
            public boolean hasEventTimes() {
                return times.present();
            }

            @Override
            public long labelledAnomaliesAfter(int skip) {
                return t.labels() == null ? 0 : Arrays.stream(t.labels()).skip(skip).filter(l -> l == 1).count();
            }

            @Override
            public String describe() {
                String when = times.present() ? ", event time from its ts column, " + DemoMonitor.when(times.millis()[0]) + " to "
                        + DemoMonitor.when(times.millis()[t.rows() - 1])
                        : times.ignoredBecause() != null ? "; its ts column is not used: " + times.ignoredBecause() : "";
                return "replay of " + file.getFileName() + " (" + t.rows() + " rows, " + t.features().size() + " features"
                        + (context != null ? ", context column" : "") + when + ")";
            }
        };
    }
}
