package io.latentstream.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;

/**
 * A score record read back: the format {@link ScoreRecordWriter} writes, for what consumes the scores
 * and anomalies topics (the {@code scores} command, the demo's view and page). Fields a record lacks
 * read as: {@code ts} the record's timestamp, {@code key} the record's key (as given), model version
 * and source position -1.
 */
public record ScoreRecord(double score, double threshold, boolean anomaly, long modelVersion, long ts, String sourceTopic,
                          int sourcePartition, long sourceOffset, String key, List<Feature> topFeatures, List<Feature> missing, List<Stuck> stuck) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One of the top contributing features: observed and expected (reconstructed) value; in
     * {@link #missing}, a feature the record lacked (observed NaN) and the value the model imputed.
     */
    public record Feature(String name, double observed, double expected) {
    }

    /** A feature that held {@code value} for {@code readings} readings of the entity ({@code score.stuck.readings}). */
    public record Stuck(String name, double value, long readings) {
        /** "rpm at 1500 for 12 readings", the value written by {@code number}. */
        public String describe(java.util.function.DoubleFunction<String> number) {
            return name + " at " + number.apply(value) + " for " + readings + " readings";
        }
    }

    /** The score record in {@code value}, or null when it is not one (not JSON, no numeric score and threshold). */
    public static ScoreRecord parse(byte[] value, long recordTimestamp, String recordKey) {
        JsonNode s;
        try {
            s = value == null ? null : JSON.readTree(value);
        } catch (Exception notJson) {
            return null;
        }
        if (s == null || !s.isObject() || !s.path("score").isNumber() || !s.path("threshold").isNumber()) {
            return null;
        }
        List<Feature> top = new ArrayList<>();
        for (JsonNode f : s.path("top_features")) {
            top.add(new Feature(f.path("name").asText("?"), f.path("observed").asDouble(Double.NaN),
                    f.path("expected").asDouble(Double.NaN)));
        }
        List<Feature> missing = new ArrayList<>();
        for (JsonNode f : s.path("missing")) {
            missing.add(new Feature(f.path("name").asText("?"), Double.NaN, f.path("expected").asDouble(Double.NaN)));
        }
        List<Stuck> stuck = new ArrayList<>();
        for (JsonNode f : s.path("stuck")) {
            stuck.add(new Stuck(f.path("name").asText("?"), f.path("value").asDouble(Double.NaN), f.path("readings").asLong(0)));
        }
        JsonNode src = s.path("source");
        return new ScoreRecord(s.path("score").asDouble(), s.path("threshold").asDouble(), s.path("anomaly").asBoolean(),
                s.path("model_version").asLong(-1), s.path("ts").asLong(recordTimestamp),
                src.path("topic").isTextual() ? src.path("topic").asText() : null, src.path("partition").asInt(-1),
                src.path("offset").asLong(-1), s.path("key").isTextual() ? s.path("key").asText() : recordKey, List.copyOf(top),
                List.copyOf(missing), List.copyOf(stuck));
    }

    /** topic-partition@offset of the input record ("?" for what the record lacks). */
    public String source() {
        return (sourceTopic == null ? "?" : sourceTopic) + "-" + (sourcePartition < 0 ? "?" : sourcePartition) + "@"
                + (sourceOffset < 0 ? "?" : sourceOffset);
    }
}
