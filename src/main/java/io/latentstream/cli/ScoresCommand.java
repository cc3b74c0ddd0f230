package io.latentstream.cli;

import io.latentstream.codec.RecordKeys;
import io.latentstream.codec.ScoreRecord;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code latentstream scores}: what was flagged (or scored), for which entity, and which features made it. */
@Command(name = "scores", mixinStandardHelpOptions = true,
        description = {"Show the flagged records on <prefix>.anomalies (read_committed), or with --all every score record on "
                + "<prefix>.scores: for each, the reading's event time, the key (entity), score and threshold, whether it was "
                + "flagged, the model version and the top contributing features with their observed and expected (reconstructed) "
                + "values, in record-time order across partitions (each partition's in offset order). Filter by time (--from, "
                + "--to), key (--key) or score (--min-score); --follow shows new ones as they are committed.",
            "When the range is read (or --max is reached, or Ctrl-C ends a --follow) a summary per key goes to standard error: how many "
                + "were shown and flagged, the highest score and when, and which features were most often the top contributor, "
                + "most flagged keys first. --json writes each score record as the processor wrote it, one per line (for jq or "
                + "a file)."},
        footer = {"", "Examples:",
            "  latentstream scores -b localhost:9092 --from 1h                 # what was flagged in the last hour, by whom",
            "  latentstream scores -b localhost:9092 --from 0s --follow        # new anomalies as they are flagged",
            "  latentstream scores --config app.properties --all --key pump-7 --from 2026-11-26 --to 2026-11-27",
            "  latentstream scores -b localhost:9092 --all --min-score 2 --json > high.jsonl"})
public final class ScoresCommand implements Callable<Integer> {
    /** Keys tracked for the summary; beyond this many distinct keys the rest are counted together. */
    static final int SUMMARY_KEYS_TRACKED = 10_000;

    @Spec
    CommandSpec spec;

    @Option(names = "--all", description = "Every score record (<prefix>.scores), not only the flagged ones "
            + "(<prefix>.anomalies). Empty when the processor runs with scores.enabled=false.")
    boolean all;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Read this topic instead (score records as the processor writes them).")
    String topic;

    @Mixin
    TimeRangeOptions times;

    @Option(names = "--key", paramLabel = "KEY", description = "Only this record key, the entity id (repeatable); a binary "
            + "key as 0x and its bytes in hex, a Kafka Connect JsonConverter key as its payload.")
    List<String> keys = List.of();

    @Option(names = "--min-score", paramLabel = "S", description = "Only scores at or above S.")
    Double minScore;

    @Option(names = "--json", description = "Each score record as written (one JSON object per line), for jq or a file.")
    boolean json;

    @Option(names = "--follow", description = "After the records committed at start, keep showing new ones as they are "
            + "committed, until Ctrl-C or --max.")
    boolean follow;

    @Option(names = "--max", paramLabel = "N", defaultValue = "0", description = "Stop after this many (0 = no limit). "
            + "Default: ${DEFAULT-VALUE}.")
    long max;

    @Option(names = "--summary", paramLabel = "N", defaultValue = "10", description = "Keys in the summary at the end "
            + "(0: none). Default: ${DEFAULT-VALUE}.")
    int summaryKeys;

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = Cli.config(spec);
        if (max < 0) {
            throw new UsageError("--max must be 0 (no limit) or more, not " + max);
        }
        if (summaryKeys < 0) {
            throw new UsageError("--summary must be 0 (none) or more, not " + summaryKeys);
        }
        if (minScore != null && !Double.isFinite(minScore)) {
            throw new UsageError("--min-score must be a number, not " + minScore);
        }
        if (follow && times.to != null) {
            throw new UsageError("--to ends the range and --follow keeps showing new records: give one of them");
        }
        times.check();
        Topics topics = Topics.from(cfg);
        String from = topic != null ? topic : all ? topics.scores() : topics.anomalies();
        Set<String> wantedKeys = new HashSet<>(keys);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Summary summary = new Summary();
        long[] unreadable = {0};
        String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, "scores");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaClients.committedReader(cfg, bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
             TopicRange range = TopicRange.open(c, from, times.from, times.to, follow)) {
            TopicRange.Shown shown = range.showEach(max, out, err, "scores: %,d shown", r -> {
                ScoreRecord s = read(r);
                if (s == null) {
                    // Not ours (another producer on the topic): said, with its position, never dropped silently.
                    unreadable[0]++;
                    err.println("not a score record: " + r.topic() + "-" + r.partition() + "@" + r.offset() + "  "
                            + DlqCommand.preview(r.value()));
                    return false;
                }
                if ((!wantedKeys.isEmpty() && !wantedKeys.contains(s.key())) || (minScore != null && s.score() < minScore)) {
                    return false;
                }
                out.println(json ? new String(r.value(), StandardCharsets.UTF_8).strip() : text(s));
                summary.add(s);
                return true;
            });
            err.println(String.format(Locale.ROOT, "%,d score record(s) shown from %s (%,d record(s) read%s%s)", shown.count(), from,
                    range.read(), unreadable[0] == 0 ? "" : String.format(Locale.ROOT, ", %,d not score records", unreadable[0]),
                    shown.ending(max, follow)));
            if (all && range.read() == 0 && !cfg.getBoolean(Settings.SCORES_ENABLED)) {
                err.println("(scores.enabled=false here: a processor with that setting writes no score records, only anomalies)");
            }
            summary.print(err, summaryKeys);
            err.flush();
        }
        return ExitCodes.OK;
    }

    /** The score record in {@code r}, or null when its value is not one; without a key of its own, the record's. */
    static ScoreRecord read(ConsumerRecord<byte[], byte[]> r) {
        return ScoreRecord.parse(r.value(), r.timestamp(), RecordKeys.text(r.key()));
    }

    /** One line: event time, key, score against threshold, flagged or not, model version, top features, source. */
    static String text(ScoreRecord s) {
        StringBuilder b = new StringBuilder();
        b.append(Instant.ofEpochMilli(s.ts())).append("  ").append(s.key() == null ? "(no key)" : s.key())
                .append("  score ").append(num(s.score())).append(s.anomaly() ? " ANOMALY" : " normal")
                .append(" (threshold ").append(num(s.threshold())).append(")  v").append(s.modelVersion()).append("  ");
        for (int i = 0; i < s.topFeatures().size(); i++) {
            ScoreRecord.Feature f = s.topFeatures().get(i);
            b.append(i == 0 ? "" : ", ").append(f.name()).append(' ').append(num(f.observed()))
                    .append(" (expected ").append(num(f.expected())).append(')');
        }
        for (int i = 0; i < s.missing().size(); i++) { // input.missing.max: what the record lacked, imputed
            ScoreRecord.Feature f = s.missing().get(i);
            b.append(i == 0 ? "; missing " : ", ").append(f.name()).append(" (imputed ").append(num(f.expected())).append(')');
        }
        for (int i = 0; i < s.stuck().size(); i++) { // score.stuck.readings: flagged whatever the score
            b.append(i == 0 ? "; STUCK " : ", ").append(s.stuck().get(i).describe(ScoresCommand::num));
        }
        return b.append("  ").append(s.source()).toString();
    }

    /** Four significant digits, without an exponent for everyday magnitudes (1e-3 .. 1e7). */
    static String num(double v) {
        if (!Double.isFinite(v)) {
            return Double.toString(v);
        }
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-3 || a >= 1e7)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }

    /** Per key: shown, flagged, the highest score and when, and how often each feature was the top contributor. */
    static final class Summary {
        final Map<String, KeyStats> byKey = new HashMap<>();
        final KeyStats others = new KeyStats("(other keys)");

        void add(ScoreRecord s) {
            String k = s.key() == null ? "(no key)" : s.key();
            KeyStats st = byKey.get(k);
            if (st == null && byKey.size() < SUMMARY_KEYS_TRACKED) {
                st = new KeyStats(k);
                byKey.put(k, st);
            }
            (st == null ? others : st).add(s);
        }

        void print(PrintWriter err, int limit) {
            if (limit == 0 || byKey.isEmpty()) {
                return;
            }
            List<KeyStats> ranked = byKey.values().stream()
                    .sorted(Comparator.comparingLong((KeyStats k) -> -k.flagged).thenComparingDouble(k -> -k.highest)
                            .thenComparing(k -> k.key))
                    .collect(Collectors.toCollection(ArrayList::new));
            err.println("by key, most flagged first:");
            ranked.stream().limit(limit).forEach(k -> err.println("  " + k.line()));
            if (ranked.size() > limit) {
                err.println(String.format(Locale.ROOT, "  … and %,d more key(s) (--summary N shows more)", ranked.size() - limit));
            }
            if (others.shown > 0) {
                err.println(String.format(Locale.ROOT, "  %s (beyond the first %,d keys, not broken down)", others.line(),
                        SUMMARY_KEYS_TRACKED));
            }
        }
    }

    static final class KeyStats {
        final String key;
        long shown;
        long flagged;
        double highest = Double.NEGATIVE_INFINITY;
        long highestAt;
        final Map<String, Long> topFeature = new HashMap<>();

        KeyStats(String key) {
            this.key = key;
        }

        void add(ScoreRecord s) {
            shown++;
            if (s.anomaly()) {
                flagged++;
            }
            if (s.score() > highest) {
                highest = s.score();
                highestAt = s.ts();
            }
            if (!s.topFeatures().isEmpty()) {
                topFeature.merge(s.topFeatures().get(0).name(), 1L, Long::sum);
            }
        }

        String line() {
            String tops = topFeature.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                    .limit(3).map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
            // Read from the anomalies topic every one is flagged: "5 flagged", not "5 shown, 5 flagged (100.0%)".
            String counts = flagged == shown ? String.format(Locale.ROOT, "%,d flagged", flagged)
                    : String.format(Locale.ROOT, "%,d shown, %,d flagged (%.1f%%)", shown, flagged, 100.0 * flagged / shown);
            return String.format(Locale.ROOT, "%s: %s, highest %s at %s%s", key, counts, num(highest),
                    Instant.ofEpochMilli(highestAt), tops.isEmpty() ? "" : "; top feature " + tops);
        }
    }
}
