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
     * becomes the record key and the model's context, "label" = 1 rows count as injected anomalies.
     */
    static DemoSource replay(Path file) throws IOException {
        List<String> header = LabelledCsv.split(java.nio.file.Files.lines(file).findFirst().orElse(""));
        String context = header.contains("context") ? "context" : null;
        LabelledCsv t = LabelledCsv.read(file, context, "label");
        long start = 1_767_225_600_000L;
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
                String key = t.contexts() == null ? "row" : t.contexts()[row];
                boolean anomaly = t.labels() != null && t.labels()[row] == 1;
                return new SensorSimulator.Reading(key, start + row * 1000L, Arrays.copyOf(t.x()[row], t.x()[row].length),
                        anomaly ? SensorSimulator.Injected.LABELLED : SensorSimulator.Injected.NONE);
            }

            @Override
            public String describe() {
                return "replay of " + file.getFileName() + " (" + t.rows() + " rows, " + t.features().size() + " features"
                        + (context != null ? ", context column" : "") + ")";
            }
        };
    }
}
