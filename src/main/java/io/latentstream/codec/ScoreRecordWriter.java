package io.latentstream.codec;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes score records (JSON, one per scored input):
 *
 * <pre>
 * {"score":1.93,"threshold":2.41,"anomaly":false,"model_version":3,"ts":1767225600000,
 *  "source":{"topic":"latentstream.raw","partition":2,"offset":1234},"key":"pump-1","context":"pump-1",
 *  "top_features":[{"name":"temp","observed":61.2,"expected":60.1,"contribution":0.81}, ...]}
 * </pre>
 *
 * {@code contribution} is the feature's weighted squared standardized residual; they sum to
 * score × dimension. A record scored without some of its features (NaN in {@code observed},
 * {@code input.missing.max}) lists them in {@code "missing":[{"name":"rpm","expected":1500.2}]} with
 * the values the model imputed; they are never among the top features, and the contributions then
 * sum to score × the features present. A feature that has held exactly the same value for
 * {@code score.stuck.readings} readings of the entity is listed in
 * {@code "stuck":[{"name":"temp","value":41.5,"readings":12}]}, and the record is flagged whatever its
 * score. One instance per stream task: it keeps one generator open over one buffer
 * and writes each record as the next root value (no separator), so the hot path creates no
 * generator per record.
 */
public final class ScoreRecordWriter {
    // Schubfach float formatting: several times faster than Float.toString on the hot path.
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    // Field names quoted and UTF-8 encoded once, not per record.
    private static final SerializedString SCORE = new SerializedString("score");
    private static final SerializedString THRESHOLD = new SerializedString("threshold");
    private static final SerializedString ANOMALY = new SerializedString("anomaly");
    private static final SerializedString MODEL_VERSION = new SerializedString("model_version");
    private static final SerializedString TS = new SerializedString("ts");
    private static final SerializedString SOURCE = new SerializedString("source");
    private static final SerializedString TOPIC = new SerializedString("topic");
    private static final SerializedString PARTITION = new SerializedString("partition");
    private static final SerializedString OFFSET = new SerializedString("offset");
    private static final SerializedString KEY = new SerializedString("key");
    private static final SerializedString CONTEXT = new SerializedString("context");
    private static final SerializedString TOP_FEATURES = new SerializedString("top_features");
    private static final SerializedString NAME = new SerializedString("name");
    private static final SerializedString OBSERVED = new SerializedString("observed");
    private static final SerializedString EXPECTED = new SerializedString("expected");
    private static final SerializedString CONTRIBUTION = new SerializedString("contribution");
    private static final SerializedString MISSING = new SerializedString("missing");
    private static final SerializedString STUCK = new SerializedString("stuck");
    private static final SerializedString VALUE = new SerializedString("value");
    private static final SerializedString READINGS = new SerializedString("readings");

    private final List<String> featureNames;
    private final SerializedString[] featureNameValues;
    private final int top;
    private final int[] topIdx;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(512);
    private JsonGenerator g;

    public ScoreRecordWriter(List<String> featureNames, int topFeatures) {
        this.featureNames = List.copyOf(featureNames);
        this.featureNameValues = featureNames.stream().map(SerializedString::new).toArray(SerializedString[]::new);
        this.top = Math.min(topFeatures, featureNames.size());
        this.topIdx = new int[top];
        this.g = newGenerator();
    }

    private JsonGenerator newGenerator() {
        try {
            JsonGenerator gen = JSON.createGenerator(buf, JsonEncoding.UTF8);
            gen.setRootValueSeparator(null); // records are separate Kafka values, not a stream
            return gen;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] write(double score, double threshold, boolean anomaly, long modelVersion, long timestamp,
                        String topic, int partition, long offset, String key, String context,
                        float[] observed, float[] expected, float[] contributions) {
        return write(score, threshold, anomaly, modelVersion, timestamp, topic, partition, offset, key, context, observed, expected,
                contributions, 0);
    }

    /**
     * A score record; {@code missing} is how many features {@code observed} lacks (NaN), 0 for a
     * whole record.
     */
    public byte[] write(double score, double threshold, boolean anomaly, long modelVersion, long timestamp,
                        String topic, int partition, long offset, String key, String context,
                        float[] observed, float[] expected, float[] contributions, int missing) {
        return write(score, threshold, anomaly, modelVersion, timestamp, topic, partition, offset, key, context, observed, expected,
                contributions, missing, null, 0);
    }

    /**
     * A score record; {@code stuckRuns} (with {@code stuck} of its entries above 0, or null) lists
     * the features that held their value for that many readings ({@code score.stuck.readings}).
     */
    public byte[] write(double score, double threshold, boolean anomaly, long modelVersion, long timestamp,
                        String topic, int partition, long offset, String key, String context,
                        float[] observed, float[] expected, float[] contributions, int missing, int[] stuckRuns, int stuck) {
        int selected = selectTop(contributions, missing > 0 ? observed : null);
        buf.reset();
        try {
            g.writeStartObject();
            g.writeFieldName(SCORE);
            g.writeNumber((float) score);
            g.writeFieldName(THRESHOLD);
            g.writeNumber((float) threshold);
            g.writeFieldName(ANOMALY);
            g.writeBoolean(anomaly);
            g.writeFieldName(MODEL_VERSION);
            g.writeNumber(modelVersion);
            g.writeFieldName(TS);
            g.writeNumber(timestamp);
            g.writeFieldName(SOURCE);
            g.writeStartObject();
            g.writeFieldName(TOPIC);
            g.writeString(topic);
            g.writeFieldName(PARTITION);
            g.writeNumber(partition);
            g.writeFieldName(OFFSET);
            g.writeNumber(offset);
            g.writeEndObject();
            if (key != null) {
                g.writeFieldName(KEY);
                g.writeString(key);
            }
            if (context != null) {
                g.writeFieldName(CONTEXT);
                g.writeString(context);
            }
            g.writeFieldName(TOP_FEATURES);
            g.writeStartArray();
            for (int t = 0; t < selected; t++) {
                int j = topIdx[t];
                g.writeStartObject();
                g.writeFieldName(NAME);
                g.writeString(featureNameValues[j]);
                g.writeFieldName(OBSERVED);
                g.writeNumber(observed[j]);
                g.writeFieldName(EXPECTED);
                g.writeNumber(expected[j]);
                g.writeFieldName(CONTRIBUTION);
                g.writeNumber(contributions[j]);
                g.writeEndObject();
            }
            g.writeEndArray();
            if (missing > 0) {
                g.writeFieldName(MISSING);
                g.writeStartArray();
                for (int j = 0; j < observed.length; j++) {
                    if (Float.isNaN(observed[j])) {
                        g.writeStartObject();
                        g.writeFieldName(NAME);
                        g.writeString(featureNameValues[j]);
                        g.writeFieldName(EXPECTED);
                        g.writeNumber(expected[j]);
                        g.writeEndObject();
                    }
                }
                g.writeEndArray();
            }
            if (stuck > 0) {
                g.writeFieldName(STUCK);
                g.writeStartArray();
                for (int j = 0; j < observed.length; j++) {
                    if (stuckRuns[j] > 0) {
                        g.writeStartObject();
                        g.writeFieldName(NAME);
                        g.writeString(featureNameValues[j]);
                        g.writeFieldName(VALUE);
                        g.writeNumber(observed[j]);
                        g.writeFieldName(READINGS);
                        g.writeNumber(stuckRuns[j]);
                        g.writeEndObject();
                    }
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.flush();
        } catch (IOException e) {
            g = newGenerator(); // a half-written record must not leave the next one mid-object
            throw new UncheckedIOException(e); // in-memory: cannot happen
        } catch (RuntimeException e) {
            g = newGenerator();
            throw e;
        }
        return buf.toByteArray();
    }

    /**
     * Indices of the largest contributions, largest first (partial selection, no allocation), of the
     * features present (not NaN in {@code observed}, when given); returns how many were selected.
     */
    private int selectTop(float[] c, float[] observed) {
        int filled = 0;
        for (int j = 0; j < featureNames.size(); j++) {
            if (observed != null && Float.isNaN(observed[j])) {
                continue;
            }
            int pos = filled < top ? filled++ : top;
            if (pos == top && c[j] <= c[topIdx[top - 1]]) {
                continue;
            }
            if (pos == top) {
                pos = top - 1;
            }
            while (pos > 0 && c[topIdx[pos - 1]] < c[j]) {
                topIdx[pos] = topIdx[pos - 1];
                pos--;
            }
            topIdx[pos] = j;
        }
        return filled;
    }
}
