package io.latentstream.model;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StuckReadingsTest {
    static final List<String> F = List.of("temp", "rpm", "state");

    @Test
    void aValueHeldForTheGivenReadingsIsStuckUntilItMoves() {
        StuckReadings s = new StuckReadings(F, 3, Set.of(), 10);
        assertEquals(0, s.observe("p1", new float[] {60.1f, 1500, 1}));
        assertEquals(0, s.observe("p1", new float[] {60.1f, 1490, 1}));
        assertEquals(2, s.observe("p1", new float[] {60.1f, 1510, 1}), "temp and state held for 3 readings");
        assertArrayEquals(new int[] {3, 0, 3}, s.runs());
        assertEquals(2, s.observe("p1", new float[] {60.1f, 1505, 1}));
        assertEquals(4, s.run(0));
        assertEquals(1, s.observe("p1", new float[] {60.2f, 1500, 1}), "temp moved: its run starts again");
        assertEquals(0, s.run(0));
        assertEquals(5, s.run(2));
    }

    @Test
    void entitiesAreTrackedApartAndTheIgnoredFeatureNeverReported() {
        StuckReadings s = new StuckReadings(F, 2, Set.of("state"), 10);
        s.observe("p1", new float[] {1, 2, 0});
        assertEquals(0, s.observe("p2", new float[] {1, 2, 0}), "the same values from another entity are its first reading");
        assertEquals(2, s.observe("p1", new float[] {1, 2, 0}), "temp and rpm; state is ignored");
        assertEquals(0, s.run(2));
        assertEquals(0, s.observe(null, new float[] {1, 2, 0}), "no entity: not tracked");
        assertArrayEquals(new int[] {0, 0, 0}, s.runs());
    }

    @Test
    void aMissingReadingNeitherExtendsNorBreaksARunAndIsNeverReported() {
        StuckReadings s = new StuckReadings(F, 3, Set.of(), 10);
        s.observe("p1", new float[] {5, 1, 1});
        s.observe("p1", new float[] {5, Float.NaN, 2});
        assertEquals(0, s.run(1));
        assertEquals(0, s.observe("p1", new float[] {Float.NaN, 1, 3}), "rpm: 1, dropout, 1 is two readings; temp missing now");
        assertEquals(1, s.observe("p1", new float[] {Float.NaN, 1, 4}), "rpm's third reading of 1");
        assertArrayEquals(new int[] {0, 3, 0}, s.runs(), "temp, held but missing from this reading, is not reported");
        assertEquals(2, s.observe("p1", new float[] {5, 1, 5}), "temp 5 for its third reading, rpm 1 for its fourth");
        assertArrayEquals(new int[] {3, 4, 0}, s.runs());
    }

    @Test
    void zeroAndNegativeZeroAreOneReading() {
        StuckReadings s = new StuckReadings(F, 2, Set.of(), 10);
        s.observe("p1", new float[] {0.0f, 1, 1});
        s.observe("p1", new float[] {-0.0f, 2, 2});
        assertEquals(2, s.run(0));
    }

    @Test
    void theLeastRecentlySeenEntityIsForgottenBeyondTheLimit() {
        StuckReadings s = new StuckReadings(F, 2, Set.of(), 2);
        s.observe("a", new float[] {1, 1, 1});
        s.observe("b", new float[] {1, 1, 1});
        s.observe("a", new float[] {2, 2, 2}); // a is now the most recent
        s.observe("c", new float[] {1, 1, 1}); // b goes
        assertEquals(2, s.entities());
        assertEquals(0, s.observe("b", new float[] {1, 1, 1}), "b was forgotten: a first reading again");
        assertEquals(0, s.observe("a", new float[] {2, 2, 2}), "a, the least recent then, was forgotten when b came back");
        assertEquals(2, s.entities());
    }

    @Test
    void configurationMistakesAreRefusedOrFound() {
        assertThrows(IllegalArgumentException.class, () -> new StuckReadings(F, 1, Set.of(), 10));
        assertEquals(List.of("rmp"), StuckReadings.unknown(F, Set.of("rmp", "state")));
    }
}
