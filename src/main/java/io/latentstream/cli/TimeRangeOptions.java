package io.latentstream.cli;

import picocli.CommandLine.Option;

import java.time.Instant;

/** --from / --to: a time range of a topic's records ({@link TopicRange}), for decode, train, dlq and scores. */
public final class TimeRangeOptions {
    @Option(names = "--from", paramLabel = "TIME", converter = TimePointConverter.class,
            description = "Records of the topic read (train and decode: --topic) stamped at or after TIME: an instant (2026-11-26T08:00:00Z), a date (2026-11-26, "
                    + "UTC) or a duration before now (90m, 2h, 7d). Default: the start of the topic.")
    Instant from;

    @Option(names = "--to", paramLabel = "TIME", converter = TimePointConverter.class,
            description = "Records of the topic read stamped at or before TIME (same forms); each partition is read up to its first "
                    + "record stamped later. Default: the end of the topic when the command starts.")
    Instant to;

    boolean given() {
        return from != null || to != null;
    }

    void check() {
        if (from != null && to != null && to.isBefore(from)) {
            throw new UsageError("--to " + to + " is before --from " + from);
        }
    }
}
