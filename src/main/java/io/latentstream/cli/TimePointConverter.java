package io.latentstream.cli;

import picocli.CommandLine;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Parses a point in time: an ISO-8601 instant ({@code 2026-11-26T10:00:00Z}, or with an offset,
 * {@code 2026-11-26T11:00:00+01:00}), a date ({@code 2026-11-26}, its start in UTC), or a duration
 * before now in {@link DurationConverter}'s forms ({@code 90m}, {@code 2h}, {@code 7d}).
 */
public final class TimePointConverter implements CommandLine.ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
        String v = value.trim();
        try {
            if (v.length() == 10 && v.charAt(4) == '-') {
                return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            if (v.contains("T") && v.indexOf('-') == 4) {
                return OffsetDateTime.parse(v).toInstant();
            }
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a time: " + e.getMessage());
        }
        try {
            return Instant.now().minus(new DurationConverter().convert(v));
        } catch (CommandLine.TypeConversionException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a time (examples: 2026-11-26T10:00:00Z, "
                    + "2026-11-26, or a duration before now: 90m, 2h, 7d)");
        }
    }
}
