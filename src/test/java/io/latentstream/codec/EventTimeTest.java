package io.latentstream.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A json record's "ts" as epoch milliseconds or as the ISO-8601 text many producers write. */
class EventTimeTest {
    private static final long NEW_YEAR_2026 = 1_767_225_600_000L;

    @Test
    void isoInstantsOffsetsDatesAndEpochMillis() {
        assertEquals(NEW_YEAR_2026, EventTime.parse("2026-01-01T00:00:00Z"));
        assertEquals(NEW_YEAR_2026, EventTime.parse("2026-01-01T01:00:00+01:00"));
        assertEquals(NEW_YEAR_2026 + 250, EventTime.parse("2026-01-01T00:00:00.250Z"));
        assertEquals(NEW_YEAR_2026, EventTime.parse("2026-01-01"));
        assertEquals(NEW_YEAR_2026, EventTime.parse("1767225600000"));
        assertNull(EventTime.parse("2026-01-01T00:00:00"), "no zone: not an instant");
        assertNull(EventTime.parse("01/01/2026"));
    }

    private static ParsedRecord parse(String json) throws BadRecordException {
        return new RecordParser(InputFormat.JSON, 2, 1024, false).parse(null, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aJsonRecordsTsMayBeIsoText() throws Exception {
        assertEquals(NEW_YEAR_2026, parse("{\"features\":[1,2],\"ts\":1767225600000}").timestamp);
        assertEquals(NEW_YEAR_2026, parse("{\"features\":[1,2],\"ts\":\"2026-01-01T00:00:00Z\"}").timestamp);
        BadRecordException e = assertThrows(BadRecordException.class, () -> parse("{\"features\":[1,2],\"ts\":\"yesterday\"}"));
        assertEquals(DeadLetterReason.BAD_JSON, e.reason());
        assertTrue(e.getMessage().contains("'yesterday' is neither epoch milliseconds nor an ISO-8601 instant"), e.getMessage());
    }
}
