package io.latentstream.cli;

import io.latentstream.codec.DeadLetterReason;
import io.latentstream.codec.InputFormat;
import io.latentstream.codec.RecordParser;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.model.TrainingData;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Training rows from a Kafka topic, for a first model where there is no CSV history: the records of
 * a time range ({@link ParsedRange}), parsed exactly as the processor parses them (input.format, the
 * feature names, the context), a uniform sample of at most {@code maxRows} of them (reservoir), and
 * a count by dead-letter reason of the ones the processor would dead-letter, which are left out.
 */
final class TopicTrainingRows {
    /** The rows and what reading them found. */
    record Result(TrainingData data, long read, long parsed, Map<DeadLetterReason, Long> refused, Map<String, String> window) {
    }

    private TopicTrainingRows() {
    }

    static Result read(AppConfig cfg, String topic, Instant from, Instant to, List<String> features, boolean conditional,
                       int maxRows, long seed, PrintWriter w) {
        InputFormat format = InputFormat.parse(cfg.getString(Settings.INPUT_FORMAT));
        RecordParser parser = ParsedRange.parser(cfg, features, conditional);
        List<double[]> rows = new ArrayList<>();
        List<String> contexts = new ArrayList<>();
        Random rnd = new Random(seed);
        long[] whole = new long[1]; // parsed records with every feature: the ones trained on
        ParsedRange.Scan scan = ParsedRange.scan(cfg, "train --topic", topic, from, to, parser, String.format(Locale.ROOT, "%s, %d features%s", format.id(),
                features.size(), conditional ? ", conditional on each record's context or key" : ""), maxRows, (rec, parsed) -> {
                    if (rec.missing > 0) { // scored by the processor (input.missing.max), but training needs whole records
                        return;
                    }
                    int slot = ParsedRange.reservoirSlot(rnd, ++whole[0], maxRows);
                    if (slot < 0) {
                        return;
                    }
                    double[] row = new double[rec.dim];
                    for (int j = 0; j < rec.dim; j++) {
                        row[j] = rec.features[j];
                    }
                    if (slot == rows.size()) {
                        rows.add(row);
                        contexts.add(rec.context);
                    } else {
                        rows.set(slot, row);
                        contexts.set(slot, rec.context);
                    }
                }, w);
        long read = scan.read();
        long parsed = whole[0];
        long incomplete = scan.parsed() - parsed;
        if (parsed < 3) { // the trainer's minimum: say why, rather than "need at least 3 rows"
            throw new UsageError((parsed == 0 ? "no record" : "only " + parsed + " record(s)") + " of " + topic
                    + (read == 0 ? " in the range" : " parsed as input.format=" + format.id() + " with the features " + features
                    + (scan.refused().isEmpty() ? "" : "; the others: " + scan.why()))
                    + (incomplete == 0 ? "" : String.format(Locale.ROOT, "; %,d more lacked features (input.missing.max), which "
                    + "training leaves out", incomplete)) + "; too few to train on");
        }
        scan.warnIfMostLeftOut(w);
        w.printf(Locale.ROOT, "read %,d records%s: %,d parsed%s%s; training on %,d%s%n", read, scan.sampled(), scan.parsed(), scan.leftOut(),
                incomplete == 0 ? "" : String.format(Locale.ROOT, ", %,d lacking features (input.missing.max) left out: training needs "
                        + "whole records", incomplete),
                rows.size(), parsed > rows.size() ? " (a uniform sample, --max-records)" : "");
        w.flush();
        Map<String, String> window = new LinkedHashMap<>();
        window.put("topic", topic);
        window.put("from", from == null ? "start" : from.toString());
        window.put("to", to == null ? "end when read" : to.toString());
        window.put("records", Long.toString(parsed));
        if (scan.inRange() >= 0) {
            window.put("sampled_from", Long.toString(scan.inRange())); // offsets in the range; "records" parsed of the stretches
        }
        TrainingData data = new TrainingData(features, rows.toArray(new double[0][]),
                conditional ? contexts.toArray(new String[0]) : null, conditional ? "context" : null, topic);
        return new Result(data, read, parsed, scan.refused(), window);
    }
}
