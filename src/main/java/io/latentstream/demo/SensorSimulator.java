package io.latentstream.demo;

import java.util.List;
import java.util.Random;

/**
 * A seeded synthetic multi-sensor stream: several entities, each with its own baseline and
 * scale, sensors driven by a few shared factors (so they are correlated and compressible), a
 * daily-like seasonal cycle, noise, and injected anomalies with labels: spikes, a slow drift,
 * a stuck sensor and a level shift of one entity (a "new normal" that should trigger a retrain).
 *
 * <p>Not thread-safe; one instance per producing thread. Same seed, same stream.
 */
public final class SensorSimulator {
    /** Sensor names, in feature order. */
    public static final List<String> FEATURES = List.of("temp", "pressure", "flow", "vibration", "current",
            "voltage", "rpm", "humidity");

    /**
     * What was injected into a reading; {@link #NONE} for a normal one. {@link #DRIFT_ONSET} is a
     * drift under way that is not yet clearly out of band: neither an anomaly a model must catch nor
     * a normal reading it must pass, so the demo counts it on its own.
     */
    public enum Injected {
        NONE, SPIKE, DRIFT, STUCK, LEVEL_SHIFT, LABELLED, DRIFT_ONSET;

        /** An anomaly to catch: flagging it is a catch, passing it a miss. */
        public boolean isAnomaly() {
            return this != NONE && this != DRIFT_ONSET;
        }
    }

    /** One reading: entity id (the record key / context), event time, sensor values, label. */
    public record Reading(String entity, long timestampMs, double[] values, Injected injected) {
        public Reading {
            values = values.clone();
        }

        @Override
        public double[] values() {
            return values.clone();
        }

        /** The record value in the json input format. */
        public String toJson() {
            return toJson(-1);
        }

        /** The record value in the json input format, sensor {@code dropped} null (a dropout; -1 for none). */
        public String toJson(int dropped) {
            StringBuilder sb = new StringBuilder(160);
            sb.append("{\"ts\":").append(timestampMs).append(",\"context\":\"").append(entity).append("\",\"features\":[");
            for (int i = 0; i < values.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                if (i == dropped) {
                    sb.append("null");
                } else {
                    sb.append(Math.round(values[i] * 1e4) / 1e4);
                }
            }
            return sb.append("]}").toString();
        }
    }

    private static final int FACTORS = 3;

    private final Random rnd;
    private final int entities;
    private final long startMs;
    private final long stepMs;
    private final double[][] baseline;
    private final double[][] scale;
    private final double[][] mixing; // [feature][factor]
    private final double[] phase;
    private final double[][] ar; // per-entity AR(1) factor state
    private final double spikeProbability;
    private long levelShiftAt;
    private final int shiftedEntity;
    private long index;

    // Episodes: one stuck sensor and one drift at a time.
    private int stuckEntity = -1;
    private int stuckFeature;
    private double stuckValue;
    private long stuckUntil;
    private int driftEntity = -1;
    private int driftFeature;
    private long driftFrom;
    private long driftUntil;
    private final double[][] last;

    /**
     * @param entities         number of entities (at least 1)
     * @param seed             random seed
     * @param spikeProbability probability a reading carries a spike
     * @param levelShiftAt     record index at which one entity shifts level for good (-1: never)
     */
    public SensorSimulator(int entities, long seed, double spikeProbability, long levelShiftAt) {
        if (entities < 1) {
            throw new IllegalArgumentException("entities must be >= 1");
        }
        this.rnd = new Random(seed);
        this.entities = entities;
        this.startMs = 1_767_225_600_000L; // 2026-01-01T00:00:00Z, fixed for reproducibility
        this.stepMs = 1000;
        this.spikeProbability = spikeProbability;
        this.levelShiftAt = levelShiftAt;
        int d = FEATURES.size();
        baseline = new double[entities][d];
        scale = new double[entities][d];
        phase = new double[entities];
        ar = new double[entities][FACTORS];
        last = new double[entities][d];
        mixing = new double[d][FACTORS];
        for (int j = 0; j < d; j++) {
            for (int f = 0; f < FACTORS; f++) {
                mixing[j][f] = rnd.nextGaussian() / Math.sqrt(FACTORS);
            }
        }
        double[] typical = {60, 4.0, 120, 0.5, 12, 230, 1500, 40};
        for (int e = 0; e < entities; e++) {
            phase[e] = rnd.nextDouble() * 2 * Math.PI;
            for (int j = 0; j < d; j++) {
                // Entities differ by far more than their own noise: the context matters.
                baseline[e][j] = typical[j] * (0.6 + 0.8 * rnd.nextDouble());
                scale[e][j] = typical[j] * (0.03 + 0.04 * rnd.nextDouble());
            }
        }
        shiftedEntity = entities > 1 ? 1 : 0;
    }

    public int entities() {
        return entities;
    }

    public static String entityName(int e) {
        return "pump-" + (e + 1);
    }

    /** Starts the level shift of one entity now (a new normal) and returns the next reading. */
    public Reading shiftLevel() {
        if (levelShiftAt < 0 || levelShiftAt > index) {
            levelShiftAt = index;
        }
        return next();
    }

    /** The next reading, entities in round-robin order. */
    public Reading next() {
        long i = index++;
        int e = (int) (i % entities);
        long tick = i / entities;
        int d = FEATURES.size();
        double season = Math.sin(2 * Math.PI * tick / 600.0 + phase[e]);
        for (int f = 1; f < FACTORS; f++) {
            ar[e][f] = 0.95 * ar[e][f] + 0.31 * rnd.nextGaussian();
        }
        double[] factors = {season, ar[e][1], ar[e][2]};
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int f = 0; f < FACTORS; f++) {
                s += mixing[j][f] * factors[f];
            }
            x[j] = baseline[e][j] + scale[e][j] * (2.0 * s + 0.25 * rnd.nextGaussian());
        }
        Injected label = Injected.NONE;

        if (levelShiftAt >= 0 && i >= levelShiftAt && e == shiftedEntity) {
            for (int j = 0; j < d; j++) {
                x[j] += 4.0 * scale[e][j] * (j % 2 == 0 ? 1 : -1);
            }
            if (i < levelShiftAt + 200L * entities) {
                label = Injected.LEVEL_SHIFT; // the first readings after the shift are the anomaly
            }
        }
        scheduleEpisodes(i);
        if (e == driftEntity && i >= driftFrom && i < driftUntil) {
            double progress = (double) (i - driftFrom) / (driftUntil - driftFrom);
            x[driftFeature] += 10.0 * progress * scale[e][driftFeature];
            // An anomaly once clearly out of band (> 7 scale units); before that, an onset.
            label = progress > 0.7 ? Injected.DRIFT : Injected.DRIFT_ONSET;
        }
        if (e == stuckEntity && i < stuckUntil) {
            x[stuckFeature] = stuckValue;
            label = Injected.STUCK;
        }
        if (rnd.nextDouble() < spikeProbability) {
            int j = rnd.nextInt(d);
            x[j] += (rnd.nextBoolean() ? 1 : -1) * (6 + 4 * rnd.nextDouble()) * scale[e][j];
            label = Injected.SPIKE;
        }
        last[e] = x.clone();
        return new Reading(entityName(e), startMs + tick * stepMs, x, label);
    }

    private void scheduleEpisodes(long i) {
        if (stuckEntity >= 0 && i >= stuckUntil) {
            stuckEntity = -1;
        }
        if (stuckEntity < 0 && i > 2000 && rnd.nextDouble() < 1.0 / 3000) {
            stuckEntity = rnd.nextInt(entities);
            stuckFeature = rnd.nextInt(FEATURES.size());
            // A sensor that freezes at an implausible reading (e.g. a dropped-out transmitter).
            stuckValue = baseline[stuckEntity][stuckFeature] - 5 * scale[stuckEntity][stuckFeature];
            stuckUntil = i + 60L * entities;
        }
        if (driftEntity >= 0 && i >= driftUntil) {
            driftEntity = -1;
        }
        if (driftEntity < 0 && i > 3000 && rnd.nextDouble() < 1.0 / 5000) {
            driftEntity = rnd.nextInt(entities);
            driftFeature = rnd.nextInt(FEATURES.size());
            driftFrom = i;
            driftUntil = i + 300L * entities;
        }
    }
}
