package io.latentstream.demo;

import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SensorSimulatorTest {
    @Test
    void sameSeedSameStream() {
        SensorSimulator a = new SensorSimulator(4, 11, 0.01, 1000);
        SensorSimulator b = new SensorSimulator(4, 11, 0.01, 1000);
        for (int i = 0; i < 500; i++) {
            SensorSimulator.Reading ra = a.next();
            SensorSimulator.Reading rb = b.next();
            assertArrayEquals(ra.values(), rb.values());
            assertEquals(ra.entity(), rb.entity());
        }
    }

    @Test
    void injectsEveryKindOfAnomalyAndMostlyNormalReadings() {
        SensorSimulator sim = new SensorSimulator(6, 3, 0.003, 20_000);
        Map<SensorSimulator.Injected, Integer> counts = new EnumMap<>(SensorSimulator.Injected.class);
        for (int i = 0; i < 60_000; i++) {
            counts.merge(sim.next().injected(), 1, Integer::sum);
        }
        for (SensorSimulator.Injected k : SensorSimulator.Injected.values()) {
            if (k == SensorSimulator.Injected.LABELLED) {
                continue; // replayed files only
            }
            assertTrue(counts.getOrDefault(k, 0) > 0, "no " + k + " in " + counts);
        }
        assertTrue(counts.get(SensorSimulator.Injected.NONE) > 0.9 * 60_000, counts.toString());
    }

    /** A drift is an onset (neither caught nor missed, nor a false alarm) until it is out of band. */
    @Test
    void aDriftIsAnOnsetBeforeItIsAnAnomaly() {
        SensorSimulator sim = new SensorSimulator(6, 3, 0, -1);
        Map<String, Integer> onsetsBeforeDrift = new java.util.HashMap<>();
        int drifts = 0;
        for (int i = 0; i < 60_000; i++) {
            SensorSimulator.Reading r = sim.next();
            if (r.injected() == SensorSimulator.Injected.DRIFT_ONSET) {
                onsetsBeforeDrift.merge(r.entity(), 1, Integer::sum);
            } else if (r.injected() == SensorSimulator.Injected.DRIFT) {
                drifts++;
                assertTrue(onsetsBeforeDrift.getOrDefault(r.entity(), 0) > 0, "a drift of " + r.entity() + " without an onset first");
            }
        }
        assertTrue(drifts > 0, "no drift in 60,000 readings");
        assertTrue(!SensorSimulator.Injected.DRIFT_ONSET.isAnomaly() && !SensorSimulator.Injected.NONE.isAnomaly()
                && SensorSimulator.Injected.DRIFT.isAnomaly());
    }

    @Test
    void entitiesHaveDifferentBaselines() {
        SensorSimulator sim = new SensorSimulator(2, 5, 0, -1);
        double[] sum0 = new double[8];
        double[] sum1 = new double[8];
        for (int i = 0; i < 2000; i++) {
            SensorSimulator.Reading r = sim.next();
            double[] target = r.entity().equals("pump-1") ? sum0 : sum1;
            for (int j = 0; j < 8; j++) {
                target[j] += r.values()[j];
            }
        }
        int differ = 0;
        for (int j = 0; j < 8; j++) {
            if (Math.abs(sum0[j] - sum1[j]) / Math.abs(sum0[j]) > 0.05) {
                differ++;
            }
        }
        assertTrue(differ >= 4, "entities should differ on most sensors, differ on " + differ);
    }

    @Test
    void jsonHasContextAndFeatures() {
        String json = new SensorSimulator(1, 1, 0, -1).next().toJson();
        assertTrue(json.startsWith("{\"ts\":"), json);
        assertTrue(json.contains("\"context\":\"pump-1\""), json);
        assertTrue(json.contains("\"features\":["), json);
    }
}
