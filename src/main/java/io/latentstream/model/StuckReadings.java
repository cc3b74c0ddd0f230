package io.latentstream.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds stuck sensors: a feature whose value stays exactly the same over {@code readings}
 * consecutive readings of one entity. A frozen sensor can report a plausible value, which the
 * model reconstructs well, so the reconstruction score alone misses it until the entity's other
 * features move away from it; a real sensor's noise makes an exact repeat over many readings
 * improbable. Features that legitimately hold a value (a state, a count, rain at zero) are left
 * out by name.
 *
 * <p>Per entity it keeps the last value and the run length of each feature, in memory, for at most
 * {@code maxEntities} entities (the least recently seen is dropped). A missing reading (NaN,
 * {@code input.missing.max}) neither extends nor breaks a run. One instance per stream task, not
 * thread-safe.
 */
public final class StuckReadings {
    /** Entities remembered per instance (per stream task) by default: ~90 + 8 x features bytes each, plus the key. */
    public static final int DEFAULT_MAX_ENTITIES = 100_000;

    private final List<String> features;
    private final int readings;
    private final boolean[] watched;
    private final int dim;
    private final LinkedHashMap<String, Runs> entities;
    /** The last observed reading's stuck runs (0: not stuck), reused. */
    private final int[] stuckRuns;
    /** Per feature, the longest run any entity has shown so far (ignored features included). */
    private final int[] longest;

    private static final class Runs {
        final float[] value;
        final int[] length;

        Runs(int dim) {
            value = new float[dim];
            length = new int[dim];
        }
    }

    /**
     * @param features    the model's feature names, in order
     * @param readings    how many equal consecutive readings make a feature stuck (at least 2)
     * @param ignored     feature names never reported stuck (names the model lacks are ignored here;
     *                    {@link #unknown} finds them)
     * @param maxEntities how many entities to remember
     */
    public StuckReadings(List<String> features, int readings, Set<String> ignored, int maxEntities) {
        if (readings < 2) {
            throw new IllegalArgumentException("readings must be at least 2, not " + readings);
        }
        this.features = List.copyOf(features);
        this.readings = readings;
        this.dim = features.size();
        this.watched = new boolean[dim];
        this.stuckRuns = new int[dim];
        this.longest = new int[dim];
        for (int j = 0; j < dim; j++) {
            watched[j] = !ignored.contains(features.get(j));
        }
        this.entities = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Runs> eldest) {
                return size() > maxEntities;
            }
        };
    }

    /** The names in {@code ignored} that are not among {@code features} (a typo would watch a feature meant to be left out). */
    public static List<String> unknown(List<String> features, Set<String> ignored) {
        return ignored.stream().filter(n -> !features.contains(n)).sorted().toList();
    }

    /**
     * Takes the entity's next reading and returns how many of its features are stuck now (their
     * value unchanged for at least {@code readings} readings, this one included); {@link #run}
     * gives each feature's run. A record without an entity ({@code null} key) is not tracked: 0.
     */
    public int observe(String entity, float[] x) {
        java.util.Arrays.fill(stuckRuns, 0);
        if (entity == null) {
            return 0;
        }
        Runs r = entities.get(entity);
        if (r == null) {
            r = new Runs(dim);
            entities.put(entity, r);
        }
        int stuck = 0;
        for (int j = 0; j < dim; j++) {
            float v = x[j];
            if (Float.isNaN(v)) {
                continue; // a dropout says nothing about whether the sensor is frozen
            }
            // == (not the bits): 0.0 and -0.0 are the same reading.
            int n = r.length[j] > 0 && r.value[j] == v ? r.length[j] + 1 : 1;
            r.length[j] = n;
            r.value[j] = v;
            if (n > longest[j]) {
                longest[j] = n;
            }
            if (watched[j] && n >= readings) {
                stuckRuns[j] = n;
                stuck++;
            }
        }
        return stuck;
    }

    /**
     * How many consecutive readings feature {@code j} of the last observed reading has held its
     * value, when that makes it stuck; 0 otherwise (also when the reading lacks it).
     */
    public int run(int j) {
        return stuckRuns[j];
    }

    /** The last observed reading's runs by feature: 0, or how long a stuck feature has held its value (not a copy). */
    public int[] runs() {
        return stuckRuns;
    }

    /**
     * Per feature, the longest run of one value any entity has shown so far (a copy): what a data set
     * says about the setting, which must exceed the runs a feature shows legitimately.
     */
    public int[] longestRuns() {
        return longest.clone();
    }

    /** "flow_jok 20, prec 9, temp 3": the longest runs by feature, longest first. */
    public static String describeLongest(List<String> features, int[] longest) {
        Integer[] order = new Integer[features.size()];
        for (int j = 0; j < order.length; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (a, b) -> longest[b] != longest[a] ? Integer.compare(longest[b], longest[a])
                : features.get(a).compareTo(features.get(b)));
        StringBuilder b = new StringBuilder();
        for (int j : order) {
            b.append(b.length() == 0 ? "" : ", ").append(features.get(j)).append(' ').append(longest[j]);
        }
        return b.toString();
    }

    /** The feature names it watches, in order. */
    public List<String> features() {
        return features;
    }

    /** Entities remembered now. */
    public int entities() {
        return entities.size();
    }
}
