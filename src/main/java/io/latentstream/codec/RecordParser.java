package io.latentstream.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Parses input values into a reusable {@link ParsedRecord}, checking bounds before parsing: size,
 * emptiness, alignment (f32), dimension, finiteness, context presence. Every failure is a
 * {@link BadRecordException} with a stable {@link DeadLetterReason}; nothing else is thrown for any
 * byte input. One instance per stream task (not thread-safe).
 */
public final class RecordParser {
    /** Longest context value accepted (entity ids are short). */
    public static final int MAX_CONTEXT_CHARS = 256;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // NaN -> NON_FINITE, not BAD_JSON
            // FastDoubleParser (shaded in jackson-core): correctly rounded like Float.parseFloat, and
            // the JDK's parser was ~8% of the stream thread's CPU in `latentstream bench`.
            .enable(com.fasterxml.jackson.core.StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(8).maxNumberLength(64)
                    .maxStringLength(1 << 16).build())
            .build();

    private final InputFormat format;
    private final JsonFields fields;
    private final int dim;
    private final int maxBytes;
    private final boolean contextRequired;
    private final ParsedRecord out;
    // JSON objects with one field per feature ({"temp":61.2,"rpm":1500}): slot by feature name, or
    // null when the parser was given no names. Values go to `named` first, so a "features" array
    // anywhere in the object still wins; `namedIn[slot] == records` marks a slot seen in this record.
    private final java.util.Map<String, Integer> slotByName;
    private final java.util.List<String> featureNames;
    private final float[] named;
    private final long[] namedIn;
    private long records;
    // input.missing.max: how many features a record may lack (absent, null, NaN) and still be parsed,
    // each marked NaN for the scorer to impute; 0 = every feature required.
    private int maxMissing;

    /**
     * @param format          value format
     * @param dim             number of features the model expects
     * @param maxBytes        largest value accepted
     * @param contextRequired the model is conditional: a context (value field, or else the key) is needed
     */
    public RecordParser(InputFormat format, int dim, int maxBytes, boolean contextRequired) {
        this(format, dim, null, maxBytes, contextRequired, JsonFields.DEFAULT);
    }

    /**
     * A parser that also reads JSON objects with one field per feature, named as the model's
     * features ({@code {"temp":61.2,"rpm":1500,"context":"pump-7"}}).
     *
     * @param featureNames the model's feature names, in slot order
     */
    public RecordParser(InputFormat format, java.util.List<String> featureNames, int maxBytes, boolean contextRequired) {
        this(format, featureNames.size(), featureNames, maxBytes, contextRequired, JsonFields.DEFAULT);
    }

    /**
     * A parser of named-field JSON objects whose context and event time are in fields of other names
     * ({@code input.json.context.field}, {@code input.json.ts.field}).
     */
    public RecordParser(InputFormat format, java.util.List<String> featureNames, int maxBytes, boolean contextRequired,
                        JsonFields fields) {
        this(format, featureNames.size(), featureNames, maxBytes, contextRequired, fields);
    }

    private RecordParser(InputFormat format, int dim, java.util.List<String> featureNames, int maxBytes, boolean contextRequired,
                         JsonFields fields) {
        this.fields = fields;
        this.format = format;
        this.dim = dim;
        this.maxBytes = maxBytes;
        this.contextRequired = contextRequired;
        this.out = new ParsedRecord(dim);
        this.featureNames = featureNames == null ? null : java.util.List.copyOf(featureNames);
        if (featureNames == null) {
            slotByName = null;
            named = null;
            namedIn = null;
        } else {
            slotByName = new java.util.HashMap<>();
            for (int i = 0; i < featureNames.size(); i++) {
                slotByName.putIfAbsent(featureNames.get(i), i);
            }
            named = new float[dim];
            namedIn = new long[dim];
            java.util.Arrays.fill(namedIn, -1);
        }
    }

    /**
     * Lets a record lack up to {@code max} of the features (an absent named field, null, NaN; an empty
     * csv cell): each is NaN in {@link ParsedRecord#features} and counted in
     * {@link ParsedRecord#missing}. Infinity stays a NON_FINITE dead letter, and a record lacking
     * more than {@code max} (or every feature) is one as before. 0, the default, requires every feature.
     */
    public RecordParser allowingMissing(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("missing features allowed must be >= 0");
        }
        this.maxMissing = Math.min(max, dim - 1);
        return this;
    }

    /** Parses one record; the result is valid until the next call. */
    public ParsedRecord parse(byte[] key, byte[] value) throws BadRecordException {
        out.reset();
        if (value == null || value.length == 0) {
            throw new BadRecordException(DeadLetterReason.EMPTY, "the record value is empty");
        }
        if (value.length > maxBytes) {
            throw new BadRecordException(DeadLetterReason.OVERSIZE, "value of " + value.length
                    + " bytes exceeds input.max.record.bytes=" + maxBytes);
        }
        switch (format) {
            case F32 -> parseF32(value);
            case CSV -> parseCsv(value);
            case JSON -> parseJson(value);
            default -> throw new IllegalStateException(format.toString());
        }
        if (maxMissing > 0) {
            countMissing();
        }
        out.key = RecordKeys.text(key);
        if (out.context == null && key != null && key.length > 0) {
            out.context = out.key; // the record key is the entity id
        }
        if (contextRequired) {
            if (out.context == null || out.context.isBlank()) {
                throw new BadRecordException(DeadLetterReason.BAD_CONTEXT,
                        "the model is conditional but the record has no context (no context field and no key)");
            }
            if (out.context.length() > MAX_CONTEXT_CHARS) {
                throw new BadRecordException(DeadLetterReason.BAD_CONTEXT, "context longer than " + MAX_CONTEXT_CHARS + " characters");
            }
        }
        return out;
    }

    private void parseF32(byte[] value) throws BadRecordException {
        if (value.length % 4 != 0) {
            throw new BadRecordException(DeadLetterReason.F32_ALIGN, "f32 value of " + value.length
                    + " bytes is not a whole number of float32 values");
        }
        int n = value.length / 4;
        if (n != dim) {
            throw new BadRecordException(DeadLetterReason.DIM_MISMATCH, "got " + n + " features, the model expects " + dim);
        }
        ByteBuffer buf = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float f = buf.getFloat(i * 4);
            if (!Float.isFinite(f) && !missingOk(f)) {
                throw new BadRecordException(DeadLetterReason.NON_FINITE, "feature " + i + " is " + f + missingHint(Float.isNaN(f)));
            }
            out.features[i] = f;
        }
        out.dim = n;
    }

    private void parseCsv(byte[] value) throws BadRecordException {
        String line = new String(value, StandardCharsets.UTF_8).strip();
        int pos = 0;
        int len = line.length();
        if (len > 0 && line.charAt(0) == '"') {
            StringBuilder ctx = new StringBuilder();
            int i = 1;
            boolean closed = false;
            while (i < len) {
                char c = line.charAt(i);
                if (c == '"') {
                    if (i + 1 < len && line.charAt(i + 1) == '"') {
                        ctx.append('"');
                        i += 2;
                        continue;
                    }
                    closed = true;
                    i++;
                    break;
                }
                ctx.append(c);
                i++;
            }
            if (!closed || i >= len || line.charAt(i) != ',') {
                throw new BadRecordException(DeadLetterReason.BAD_CSV, "unterminated quoted context or no comma after it");
            }
            out.context = ctx.toString();
            pos = i + 1;
        }
        int n = 0;
        while (pos <= len) {
            int comma = line.indexOf(',', pos);
            int end = comma < 0 ? len : comma;
            if (n >= dim) {
                throw new BadRecordException(DeadLetterReason.DIM_MISMATCH, "more than " + dim + " features, the model expects " + dim);
            }
            String cell = line.substring(pos, end).trim();
            float f;
            if (cell.isEmpty() && maxMissing > 0) {
                f = Float.NaN; // an empty cell: the reading is missing
            } else try {
                f = com.fasterxml.jackson.core.io.NumberInput.parseFloat(cell, true); // Float.parseFloat's syntax, faster
            } catch (NumberFormatException e) {
                throw new BadRecordException(DeadLetterReason.BAD_CSV, "field " + (n + 1) + " '" + abbreviate(cell) + "' is not a number");
            }
            if (!Float.isFinite(f) && !missingOk(f)) {
                throw new BadRecordException(DeadLetterReason.NON_FINITE, "feature " + n + " is " + cell + missingHint(Float.isNaN(f)));
            }
            out.features[n++] = f;
            if (comma < 0) {
                break;
            }
            pos = comma + 1;
        }
        if (n != dim) {
            throw new BadRecordException(DeadLetterReason.DIM_MISMATCH, "got " + n + " features, the model expects " + dim);
        }
        out.dim = n;
    }

    /**
     * Confluent Schema Registry's wire format: magic byte 0, a 4-byte big-endian schema id, then the
     * payload. Its JSON Schema serializer writes plain JSON there, so a json value framed that way is
     * read past the header; JSON text itself never starts with byte 0, so nothing else is affected.
     */
    static final int REGISTRY_HEADER_BYTES = 5;

    private void parseJson(byte[] value) throws BadRecordException {
        int from = 0;
        if (value[0] == 0) {
            if (value.length <= REGISTRY_HEADER_BYTES) {
                throw new BadRecordException(DeadLetterReason.BAD_JSON, "value of " + value.length + " bytes starts with byte 0 "
                        + "(Schema Registry framing?) but is too short to hold a schema id and a payload");
            }
            int schemaId = ByteBuffer.wrap(value, 1, 4).getInt();
            byte first = value[REGISTRY_HEADER_BYTES];
            if (first != '{' && first != '[' && first != ' ' && first != '\n' && first != '\r' && first != '\t') {
                throw new BadRecordException(DeadLetterReason.BAD_JSON, "value in Schema Registry framing (schema id " + schemaId
                        + ") does not hold JSON after its 5-byte header (Avro or Protobuf?): produce with the JSON Schema "
                        + "serializer, or set input.format to what the producer writes (json, csv, f32)");
            }
            from = REGISTRY_HEADER_BYTES;
        }
        inEnvelope = false;
        envelopeHasDecimal = false;
        try (JsonParser p = JSON.createParser(value, from, value.length - from)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                readArray(p);
            } else if (t == JsonToken.START_OBJECT) {
                records++;
                sawFeatures = false;
                namedCount = 0;
                namedError = null;
                readFields(p, true);
                if (!sawFeatures) {
                    if (namedError != null) {
                        throw namedError;
                    }
                    takeNamed(namedCount);
                }
            } else {
                throw new BadRecordException(DeadLetterReason.BAD_JSON, "expected an array of numbers or an object with \"features\""
                        + (slotByName == null ? "" : " or with the model's feature names"));
            }
            if (p.nextToken() != null) {
                throw new BadRecordException(DeadLetterReason.BAD_JSON, "trailing content after the JSON value");
            }
        } catch (IOException | RuntimeException e) {
            throw new BadRecordException(DeadLetterReason.BAD_JSON, "not valid JSON: " + firstLine(e.getMessage()));
        }
    }

    // The fields of Kafka Connect's JsonConverter envelope (see readFields).
    private static final String CONNECT_SCHEMA = "schema";
    private static final String CONNECT_PAYLOAD = "payload";

    // State of the object being read (one record at a time).
    private boolean sawFeatures;
    private int namedCount;
    private BadRecordException namedError;
    private boolean inEnvelope;
    private boolean envelopeHasDecimal;

    /**
     * The fields of an object, after its START_OBJECT, through its END_OBJECT. Kafka Connect's
     * JsonConverter with {@code schemas.enable=true} (its default) wraps every value as
     * {@code {"schema":{...},"payload":{...}}}: the record is the payload. A top-level object whose
     * first field is "schema" is read as such an envelope, so its "payload" (an object, or an array of
     * numbers) holds the fields; without that first field a "payload" field is an ordinary one, ignored.
     */
    private void readFields(JsonParser p, boolean top) throws IOException, BadRecordException {
        JsonToken t;
        boolean first = true;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            // The context and event-time fields have configurable names (JsonFields), hence no switch.
            if (name.equals("features")) {
                if (v != JsonToken.START_ARRAY) {
                    throw new BadRecordException(DeadLetterReason.BAD_JSON, "\"features\" must be an array of numbers");
                }
                readArray(p);
                sawFeatures = true;
            } else if (name.equals(fields.context())) {
                if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT) {
                    out.context = p.getText();
                } else if (v != JsonToken.VALUE_NULL) {
                    throw new BadRecordException(DeadLetterReason.BAD_CONTEXT, "\"" + name + "\" (the context) must be a string");
                }
            } else if (name.equals(fields.ts())) {
                if (v == JsonToken.VALUE_NUMBER_INT) {
                    out.timestamp = p.getLongValue();
                } else if (v == JsonToken.VALUE_STRING) {
                    // What many JSON producers write: "2026-11-27T03:00:00Z".
                    Long ms = EventTime.parse(p.getText().trim());
                    if (ms == null) {
                        throw new BadRecordException(DeadLetterReason.BAD_JSON, "\"" + name + "\" '" + abbreviate(p.getText())
                                + "' is neither epoch milliseconds nor an ISO-8601 instant (2026-11-27T03:00:00Z) or date");
                    }
                    out.timestamp = ms;
                } else if (v != JsonToken.VALUE_NULL) {
                    throw new BadRecordException(DeadLetterReason.BAD_JSON,
                            "\"" + name + "\" (the event time) must be epoch milliseconds or an ISO-8601 instant");
                }
            } else {
                Integer slot = slotByName == null ? null : slotByName.get(name);
                if (slot != null) {
                    BadRecordException e = readNamed(p, v, name, slot);
                    namedError = namedError == null ? e : namedError;
                    namedCount++;
                } else if (top && first && name.equals(CONNECT_SCHEMA)) {
                    inEnvelope = true;
                    skipSchema(p, v);
                } else if (inEnvelope && top && name.equals(CONNECT_PAYLOAD) && v == JsonToken.START_OBJECT) {
                    readFields(p, false);
                } else if (inEnvelope && top && name.equals(CONNECT_PAYLOAD) && v == JsonToken.START_ARRAY) {
                    readArray(p);
                    sawFeatures = true;
                } else {
                    p.skipChildren(); // other fields are allowed and ignored
                }
            }
            first = false;
        }
        if (t != JsonToken.END_OBJECT) {
            throw new BadRecordException(DeadLetterReason.BAD_JSON, "malformed object");
        }
    }

    private static final String CONNECT_DECIMAL = "org.apache.kafka.connect.data.Decimal";

    /**
     * Skips the envelope's schema, noting whether it declares a Decimal: Connect writes those as base64
     * text, which must not be taken for a number even when its characters happen to be digits ("1234").
     */
    private void skipSchema(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_OBJECT && v != JsonToken.START_ARRAY) {
            return;
        }
        int depth = 1;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return; // the caller reports the truncated object
            }
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                depth--;
            } else if (t == JsonToken.VALUE_STRING && p.getTextLength() == CONNECT_DECIMAL.length()
                    && CONNECT_DECIMAL.equals(p.getText())) {
                envelopeHasDecimal = true;
            }
        }
    }

    /**
     * A feature value: a JSON number, or a string holding exactly one, unless the envelope's schema
     * says its Decimals are base64 text.
     */
    private boolean isNumber(JsonParser p, JsonToken t) throws IOException {
        return t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT
                || (t == JsonToken.VALUE_STRING && !envelopeHasDecimal && isNumberText(p.getText()));
    }

    /** The value of a token {@link #isNumber} accepted. */
    private static float floatOf(JsonParser p, JsonToken t) throws IOException {
        return t == JsonToken.VALUE_STRING ? parseNumberText(p.getText()) : p.getFloatValue();
    }

    /**
     * Reads one named feature value; a bad one is returned, not thrown, because a "features"
     * array later in the same object would make the named fields irrelevant.
     */
    private BadRecordException readNamed(JsonParser p, JsonToken v, String name, int slot) throws IOException {
        if (namedIn[slot] == records) {
            return new BadRecordException(DeadLetterReason.BAD_JSON, "feature \"" + abbreviate(name) + "\" appears twice");
        }
        namedIn[slot] = records;
        if (isNumber(p, v)) {
            float f = floatOf(p, v);
            if (Float.isNaN(f) && maxMissing > 0) {
                named[slot] = Float.NaN;
                return null;
            }
            if (!Float.isFinite(f)) {
                return new BadRecordException(DeadLetterReason.NON_FINITE, "feature \"" + abbreviate(name) + "\" "
                        + (Float.isNaN(f) ? "is NaN" + missingHint(true) : "overflows float32"));
            }
            named[slot] = f;
            return null;
        }
        if (maxMissing > 0 && (v == JsonToken.VALUE_NULL || (v == JsonToken.VALUE_STRING && isNaNWord(p.getText())))) {
            named[slot] = Float.NaN;
            return null;
        }
        if (v == JsonToken.VALUE_NULL || (v == JsonToken.VALUE_STRING && isNonFiniteWord(p.getText()))) {
            return new BadRecordException(DeadLetterReason.NON_FINITE, "feature \"" + abbreviate(name) + "\" is "
                    + (v == JsonToken.VALUE_NULL ? "null" : abbreviate(p.getText()))
                    + missingHint(v == JsonToken.VALUE_NULL || isNaNWord(p.getText())));
        }
        boolean text = v == JsonToken.VALUE_STRING;
        p.skipChildren(); // an object or array in its place
        return new BadRecordException(DeadLetterReason.BAD_JSON, "feature \"" + abbreviate(name) + "\" is not a number"
                // JsonConverter writes a Decimal column (JDBC, Debezium) as base64 text unless told otherwise.
                + (text && inEnvelope ? " (a Kafka Connect Decimal? set decimal.format=NUMERIC on the JsonConverter)" : ""));
    }

    /** An object without a "features" array: its fields named as the model's features, every one of them. */
    private void takeNamed(int namedCount) throws BadRecordException {
        if (slotByName == null || namedCount == 0) {
            throw new BadRecordException(DeadLetterReason.BAD_JSON, (inEnvelope ? "the Kafka Connect envelope's payload" : "object")
                    + " has no \"features\" array"
                    + (slotByName == null ? "" : " and no field named as a model feature (" + firstNames() + ")"));
        }
        if (namedCount < dim && maxMissing > 0) {
            for (int i = 0; i < dim; i++) {
                named[i] = namedIn[i] == records ? named[i] : Float.NaN;
            }
        } else if (namedCount < dim) {
            StringBuilder missing = new StringBuilder();
            int count = 0;
            for (int i = 0; i < dim; i++) {
                if (namedIn[i] != records) {
                    if (count++ < 5) {
                        missing.append(count > 1 ? ", " : "").append(featureNames.get(i));
                    }
                }
            }
            throw new BadRecordException(DeadLetterReason.DIM_MISMATCH, "got " + namedCount + " of the model's " + dim
                    + " features; missing: " + missing + (count > 5 ? " and " + (count - 5) + " more" : "") + missingHint(true));
        }
        System.arraycopy(named, 0, out.features, 0, dim);
        out.dim = dim;
    }

    private String firstNames() {
        return String.join(", ", featureNames.subList(0, Math.min(5, dim))) + (dim > 5 ? ", ..." : "");
    }

    private void readArray(JsonParser p) throws IOException, BadRecordException {
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new BadRecordException(DeadLetterReason.BAD_JSON, "unterminated array");
            }
            if (isNumber(p, t)) {
                if (n >= dim) {
                    throw new BadRecordException(DeadLetterReason.DIM_MISMATCH, "more than " + dim + " features, the model expects " + dim);
                }
                float f = floatOf(p, t);
                if (!Float.isFinite(f) && !(Float.isNaN(f) && maxMissing > 0)) {
                    throw new BadRecordException(DeadLetterReason.NON_FINITE, "feature " + n
                            + (Float.isNaN(f) ? " is NaN" + missingHint(true) : " overflows float32"));
                }
                out.features[n++] = f;
            } else if (maxMissing > 0 && (t == JsonToken.VALUE_NULL || (t == JsonToken.VALUE_STRING && isNaNWord(p.getText())))) {
                if (n >= dim) {
                    throw new BadRecordException(DeadLetterReason.DIM_MISMATCH, "more than " + dim + " features, the model expects " + dim);
                }
                out.features[n++] = Float.NaN;
            } else if (t == JsonToken.VALUE_STRING && isNonFiniteWord(p.getText())) {
                throw new BadRecordException(DeadLetterReason.NON_FINITE, "feature " + n + " is " + p.getText()
                        + missingHint(isNaNWord(p.getText())));
            } else if (t == JsonToken.VALUE_NULL) {
                throw new BadRecordException(DeadLetterReason.NON_FINITE, "feature " + n + " is null" + missingHint(true));
            } else {
                throw new BadRecordException(DeadLetterReason.BAD_JSON, "feature " + n + " is not a number");
            }
        }
        if (n != dim) {
            throw new BadRecordException(DeadLetterReason.DIM_MISMATCH, "got " + n + " features, the model expects " + dim);
        }
        out.dim = n;
    }

    /**
     * A number written as a JSON string ("61.2"): what Debezium writes for a decimal column with
     * decimal.handling.mode=string, and many gateways for every value. Only text that is itself a JSON
     * number counts (no spaces, no hex, no "1f"), so "N/A" or "hot" stays a BAD_JSON dead letter.
     */
    private static final java.util.regex.Pattern NUMBER_TEXT = java.util.regex.Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?");

    private static boolean isNumberText(String s) {
        return !s.isEmpty() && s.length() <= 64 && NUMBER_TEXT.matcher(s).matches();
    }

    /** Correctly rounded like Float.parseFloat, with the parser the JSON numbers go through. */
    private static float parseNumberText(String s) {
        return com.fasterxml.jackson.core.io.NumberInput.parseFloat(s, true);
    }

    private static boolean isNaNWord(String s) {
        return s.trim().equalsIgnoreCase("nan");
    }

    /** A NaN, when missing features are allowed (the count is checked after the whole record). */
    private boolean missingOk(float f) {
        return Float.isNaN(f) && maxMissing > 0;
    }

    /**
     * What a dead letter for a missing value (absent, null, NaN: {@code missing}) adds when missing
     * features are not allowed; nothing for another reason such as Infinity.
     */
    private String missingHint(boolean missing) {
        return missing && maxMissing == 0 && dim > 1 ? " (input.missing.max > 0 scores a record without some of its features)" : "";
    }

    /** Counts the NaNs parsing left for missing features; too many make the record a dead letter. */
    private void countMissing() throws BadRecordException {
        int missing = 0;
        for (int i = 0; i < out.dim; i++) {
            if (Float.isNaN(out.features[i])) {
                missing++;
            }
        }
        if (missing > maxMissing) {
            throw new BadRecordException(DeadLetterReason.DIM_MISMATCH,
                    missing + " of the model's " + dim + " features are missing (absent, null or NaN); input.missing.max="
                            + maxMissing + (missing == out.dim ? " (at least one feature must be present)" : ""));
        }
        out.missing = missing;
    }

    private static boolean isNonFiniteWord(String s) {
        String t = s.trim();
        return t.equalsIgnoreCase("nan") || t.equalsIgnoreCase("infinity") || t.equalsIgnoreCase("-infinity")
                || t.equalsIgnoreCase("inf") || t.equalsIgnoreCase("-inf");
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return abbreviate(i < 0 ? s : s.substring(0, i));
    }
}
