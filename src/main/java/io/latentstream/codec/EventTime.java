package io.latentstream.codec;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Event time written as text: an ISO-8601 instant or date-time with offset
 * ({@code 2026-11-27T03:00:00Z}, {@code 2026-11-27T04:00:00+01:00}), a date ({@code 1974-06-13},
 * midnight UTC, for daily series) or an integer of epoch milliseconds. What JSON producers and CSV
 * exports write for a timestamp; numbers in JSON stay epoch milliseconds.
 */
public final class EventTime {
    private static final java.util.regex.Pattern EPOCH_MILLIS = java.util.regex.Pattern.compile("-?[0-9]{1,18}");
    private static final int DATE_LENGTH = "1974-06-13".length();

    private EventTime() {
    }

    /** Epoch milliseconds, or null when the text is none of the forms above (no zone is no instant). */
    public static Long parse(String t) {
        // Dispatched by shape: on the per-record path (a json ts as text) a failed parse is an exception.
        if (EPOCH_MILLIS.matcher(t).matches()) {
            return Long.parseLong(t);
        }
        try {
            return t.length() == DATE_LENGTH ? LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
                    : OffsetDateTime.parse(t).toInstant().toEpochMilli();
        } catch (DateTimeParseException neither) {
            return null;
        }
    }
}
