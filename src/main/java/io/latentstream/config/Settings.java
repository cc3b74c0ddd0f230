package io.latentstream.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

import java.util.regex.Pattern;

/**
 * The one declaration of every latentstream setting: key, type, default, validator and doc.
 *
 * <p>Built on Kafka's {@link ConfigDef} so types, validators and password masking behave as
 * Kafka users expect. Any Kafka client setting passes through with the {@value #KAFKA_PREFIX}
 * prefix (see {@link ConfigLoader}). The README's configuration table is generated from
 * {@link #DEF} and a test fails when it is out of date.
 */
public final class Settings {
    private Settings() {
    }

    /** Prefix of Kafka client settings passed through untouched (minus the prefix). */
    public static final String KAFKA_PREFIX = "kafka.";

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
    public static final String APPLICATION_ID = "application.id";
    public static final String TOPIC_PREFIX = "topic.prefix";
    public static final String TOPIC_REPLICATION_FACTOR = "topic.replication.factor";
    public static final String TOPIC_PLAN_FILE = "topic.plan.file";

    public static final String INPUT_TOPIC = "input.topic";
    public static final String INPUT_FORMAT = "input.format";
    public static final String INPUT_JSON_CONTEXT_FIELD = "input.json.context.field";
    public static final String INPUT_JSON_TS_FIELD = "input.json.ts.field";
    public static final String INPUT_MAX_RECORD_BYTES = "input.max.record.bytes";
    public static final String INPUT_MISSING_MAX = "input.missing.max";
    public static final String DLQ_MAX_RECORD_BYTES = "dlq.max.record.bytes";
    public static final String MODEL_PATH = "model.path";
    public static final String LATENT_ENCODING = "latent.encoding";
    public static final String MODEL_NAME = "model.name";
    public static final String RETRAIN_INTERVAL_MS = "retrain.interval.ms";
    public static final String RETRAIN_WINDOW_MS = "retrain.window.ms";
    public static final String RETRAIN_MAX_SAMPLES = "retrain.max.samples";
    public static final String RETRAIN_MIN_SAMPLES = "retrain.min.samples";
    public static final String RETRAIN_NEW_CONTEXT_MIN_SAMPLES = "retrain.new.context.min.samples";
    public static final String RETRAIN_EPOCHS = "retrain.epochs";
    public static final String RETRAIN_TOLERANCE = "retrain.gate.tolerance";
    public static final String RETRAIN_RATE_TOLERANCE = "retrain.gate.anomaly.rate.tolerance";
    public static final String RETRAIN_TOKEN_FILE = "retrain.token.file";
    public static final String RETRAIN_DRIFT_FACTOR = "retrain.drift.anomaly.rate.factor";
    public static final String RETRAIN_DRIFT_WINDOW_MS = "retrain.drift.window.ms";
    public static final String RETRAIN_DRIFT_LATENT_BOUND = "retrain.drift.latent.bound";
    public static final String RETRAIN_DRIFT_DURATION_MS = "retrain.drift.duration.ms";
    public static final String RETRAIN_TOKEN = "retrain.token";
    public static final String RETRAIN_NICE = "retrain.nice";
    public static final String RETRAIN_CPU_IDLE = "retrain.cpu.idle";
    public static final String HTTP_BIND_ADDRESS = "http.bind.address";
    public static final String HTTP_PORT = "http.port";
    public static final String MODEL_MAX_BYTES = "model.max.bytes";
    public static final String SAMPLES_FRACTION = "samples.fraction";
    public static final String SCORE_TOP_FEATURES = "score.top.features";
    public static final String SCORES_ENABLED = "scores.enabled";
    public static final String SCORE_STUCK_READINGS = "score.stuck.readings";
    public static final String SCORE_STUCK_IGNORE = "score.stuck.ignore";
    public static final String PROCESSING_GUARANTEE = "processing.guarantee";

    private static final Pattern TOPIC_CHARS = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

    /** score.stuck.readings: 0 (off) or at least 2 (one reading always equals itself). */
    static ConfigDef.Validator stuckReadings() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                int v = value == null ? -1 : (Integer) value;
                if (v != 0 && (v < 2 || v > 10_000_000)) {
                    throw new ConfigException(name, value, "must be 0 (off) or 2 to 10000000 readings");
                }
            }

            @Override
            public String toString() {
                return "0, or [2,...,10000000]";
            }
        };
    }

    /** A validator for a Kafka topic name fragment (legal characters, bounded length). */
    static ConfigDef.Validator topicName() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null || !TOPIC_CHARS.matcher(value.toString()).matches()) {
                    throw new ConfigException(name, value, "must be 1-200 characters of [a-zA-Z0-9._-]");
                }
            }

            @Override
            public String toString() {
                return "1-200 characters of [a-zA-Z0-9._-]";
            }
        };
    }

    /** A json field name: 1-200 characters, not "features" (the array of values). */
    static ConfigDef.Validator jsonFieldName() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                String v = value == null ? "" : value.toString();
                if (v.isBlank() || v.length() > 200 || v.equals("features")) {
                    throw new ConfigException(name, value, "must be a field name of 1-200 characters other than \"features\"");
                }
            }

            @Override
            public String toString() {
                return "a field name other than \"features\"";
            }
        };
    }

    /** The json input's context and event-time field names; the two must differ. */
    /** score.stuck.ignore as a set of feature names. */
    public static java.util.Set<String> stuckIgnore(AppConfig cfg) {
        return java.util.Set.copyOf(cfg.getList(SCORE_STUCK_IGNORE));
    }

    /**
     * score.stuck.ignore, checked against the features of the model that will score: a misspelt name
     * would leave the feature watched and flag it, so it fails naming the key.
     */
    public static java.util.Set<String> stuckIgnore(AppConfig cfg, java.util.List<String> features) {
        java.util.Set<String> ignored = stuckIgnore(cfg);
        java.util.List<String> unknown = io.latentstream.model.StuckReadings.unknown(features, ignored);
        if (!unknown.isEmpty()) {
            throw new ConfigError(SCORE_STUCK_IGNORE, SCORE_STUCK_IGNORE + " names " + unknown
                    + ", which the model does not have; its features: " + features);
        }
        return ignored;
    }

    public static io.latentstream.codec.JsonFields jsonFields(AppConfig cfg) {
        String context = cfg.getString(INPUT_JSON_CONTEXT_FIELD);
        String ts = cfg.getString(INPUT_JSON_TS_FIELD);
        if (context.equals(ts)) {
            throw new ConfigError(INPUT_JSON_TS_FIELD, "bad value '" + ts + "' for setting '" + INPUT_JSON_TS_FIELD + "' ("
                    + cfg.sourceOf(INPUT_JSON_TS_FIELD) + "): it must differ from " + INPUT_JSON_CONTEXT_FIELD);
        }
        return new io.latentstream.codec.JsonFields(context, ts);
    }

    /** The validator v, or an empty value (which means "the default"). */
    static ConfigDef.Validator optional(ConfigDef.Validator v) {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value != null && !value.toString().isEmpty()) {
                    v.ensureValid(name, value);
                }
            }

            @Override
            public String toString() {
                return "empty, or " + v;
            }
        };
    }

    /** A validator for a comma-separated host:port list (null passes: required-ness is checked by the command). */
    static ConfigDef.Validator hostPortList() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value == null) {
                    return; // required-ness is checked by the command that needs the key
                }
                for (String hp : value.toString().split(",")) {
                    String s = hp.trim();
                    int colon = s.lastIndexOf(':');
                    if (colon <= 0 || colon == s.length() - 1) {
                        throw new ConfigException(name, value, "must be a comma-separated list of host:port");
                    }
                    try {
                        int port = Integer.parseInt(s.substring(colon + 1));
                        if (port < 1 || port > 65535) {
                            throw new NumberFormatException();
                        }
                    } catch (NumberFormatException e) {
                        throw new ConfigException(name, value, "port must be 1..65535 in host:port");
                    }
                }
            }

            @Override
            public String toString() {
                return "host:port[,host:port...]";
            }
        };
    }

    public static final ConfigDef DEF = new ConfigDef()
            .define(BOOTSTRAP_SERVERS, Type.STRING, null, hostPortList(), Importance.HIGH,
                    "Kafka bootstrap servers (host:port,...). Required by commands that talk to Kafka; "
                            + "the demo sets it to its embedded broker.")
            .define(APPLICATION_ID, Type.STRING, "latentstream", topicName(), Importance.HIGH,
                    "Kafka Streams application id of the processor; also the consumer group and the "
                            + "prefix of internal topics.")
            .define(TOPIC_PREFIX, Type.STRING, "latentstream", topicName(), Importance.HIGH,
                    "Topic names are <prefix>.<role> (raw, latents, scores, anomalies, dlq, samples, models, control).")
            .define(TOPIC_REPLICATION_FACTOR, Type.INT, -1, Range.between(-1, 32), Importance.MEDIUM,
                    "Replication factor for every topic `topics apply` creates; -1 uses the plan's value "
                            + "(topology/topics.yaml).")
            .define(TOPIC_PLAN_FILE, Type.STRING, "", Importance.LOW,
                    "Path of a topic plan to use instead of the built-in topology/topics.yaml.")
            .define(INPUT_TOPIC, Type.STRING, "", optional(topicName()), Importance.HIGH,
                    "Topic to read records from; empty means <topic.prefix>.raw, which `topics apply` creates. Any other existing "
                            + "topic works (your own: `topics apply` checks that it exists and leaves it as it is), "
                            + "but not one latentstream writes.")
            .define(INPUT_FORMAT, Type.STRING, "json", ConfigDef.ValidString.in("json", "csv", "f32"), Importance.HIGH,
                    "Value format: json (array, object with features/context/ts, or object with one field per feature "
                            + "named as the model's features; plain, in Schema Registry framing as the JSON Schema "
                            + "serializer writes it, or in the {schema, payload} envelope of Kafka Connect's JsonConverter), "
                            + "csv (numbers, optional quoted "
                            + "context first) or f32 (little-endian float32 array). The record key is the entity id.")
            .define(INPUT_JSON_CONTEXT_FIELD, Type.STRING, "context", jsonFieldName(), Importance.MEDIUM,
                    "json input: the field holding the entity id (the context of a conditional model), e.g. device_id; "
                            + "a record without it uses its key.")
            .define(INPUT_JSON_TS_FIELD, Type.STRING, "ts", jsonFieldName(), Importance.MEDIUM,
                    "json input: the field holding the event time (epoch milliseconds or ISO-8601 text), e.g. timestamp; "
                            + "score records carry it as ts, and a record without it gets its Kafka timestamp.")
            .define(INPUT_MAX_RECORD_BYTES, Type.INT, 1 << 20, Range.between(16, 16 << 20), Importance.MEDIUM,
                    "Largest value accepted; larger ones are dead-lettered as OVERSIZE before parsing.")
            .define(INPUT_MISSING_MAX, Type.INT, 0, Range.between(0, 4096), Importance.MEDIUM,
                    "How many of the model's features a record may lack and still be scored: a named json field absent "
                            + "or null, null or NaN in an array, an empty csv cell, NaN in f32 (a sensor that dropped out). "
                            + "The model imputes them (its expected values, listed under \"missing\" in the score record) and "
                            + "scores the features present against the same upper threshold; such a record is not sampled for "
                            + "retraining. "
                            + "0: every feature is required and a record lacking one is a DIM_MISMATCH or NON_FINITE dead letter. "
                            + "A record lacking more than this, or every feature, is still a dead letter.")
            .define(DLQ_MAX_RECORD_BYTES, Type.INT, 1 << 20, Range.between(4096, 64 << 20), Importance.LOW,
                    "Largest dead letter written (key, value and headers). A bad input that would make a larger one has its "
                            + "value cut to fit, with headers ls.value.truncated=true and ls.value.bytes (its size); the "
                            + "original stays in the input topic at ls.source.offset. Without the cut such a record could not be "
                            + "written and would stop the processor. Inputs this large are not copied to the samples topic "
                            + "either. Keep it at most the dlq topic's max.message.bytes and "
                            + "kafka.max.request.size (both 1048576 by default).")
            .define(MODEL_PATH, Type.STRING, "", Importance.HIGH,
                    "Model bundle (.lsb) to score with at start. Empty: wait for a valid version on <prefix>.models "
                            + "(not ready, consuming nothing, until one arrives).")
            .define(HTTP_BIND_ADDRESS, Type.STRING, "0.0.0.0", Importance.MEDIUM,
                    "Address of the HTTP server (/metrics, /health, /ready). The demo uses 127.0.0.1.")
            .define(HTTP_PORT, Type.INT, 8080, Range.between(-1, 65535), Importance.MEDIUM,
                    "Port of the HTTP server; 0 picks a free port, -1 disables the server.")
            .define(RETRAIN_INTERVAL_MS, Type.LONG, 3_600_000L, Range.atLeast(0), Importance.MEDIUM,
                    "retrain: scheduled retraining interval; 0 turns the schedule off (control topic and POST /retrain still work).")
            .define(RETRAIN_WINDOW_MS, Type.LONG, 86_400_000L, Range.atLeast(1_000), Importance.MEDIUM,
                    "retrain: how far back the samples window reaches. Its newest fifth is held out: it calibrates the "
                            + "challenger's threshold and is the gate's slice, so a seasonal signal needs a window of at least five "
                            + "periods (a daily cycle: 5 days, within the samples topic's 7-day retention) or the threshold fits one "
                            + "season.")
            .define(RETRAIN_MAX_SAMPLES, Type.INT, 100_000, Range.between(100, 10_000_000), Importance.MEDIUM,
                    "retrain: most samples trained on (reservoir-sampled when the window holds more), so training cost "
                            + "is bounded whatever the stream rate.")
            .define(RETRAIN_MIN_SAMPLES, Type.INT, 500, Range.between(10, 10_000_000), Importance.LOW,
                    "retrain: fewer samples than this and the retrain is skipped (recorded as a decision).")
            .define(RETRAIN_NEW_CONTEXT_MIN_SAMPLES, Type.INT, 100, Range.between(0, 10_000_000), Importance.LOW,
                    "retrain, conditional models: a context (entity) the champion does not know, and so scores with its "
                            + "unknown-context slot, gets its own slot in the challenger once the window holds this many of its "
                            + "samples; its flagged samples are trained on too (flagged against the fleet's average, not its own "
                            + "normal). The gate still decides. 0: new contexts keep the unknown slot until a model is trained anew.")
            .define(RETRAIN_NICE, Type.INT, 19, Range.between(0, 19), Importance.MEDIUM,
                    "retrain: the Linux scheduling priority (nice) the retrainer lowers itself to at start, so on a machine "
                            + "shared with a processor it trains on idle CPU and scoring keeps its speed; 0 leaves it unchanged. "
                            + "Nice ranks processes within one container or login session; across containers use CPU requests.")
            .define(RETRAIN_CPU_IDLE, Type.BOOLEAN, true, null, Importance.MEDIUM,
                    "retrain: also run the retrainer's threads under Linux's SCHED_IDLE policy: they use CPU nobody else "
                            + "wants and yield at once to a processor or broker thread (still progressing on a busy machine, slowly).")
            .define(RETRAIN_EPOCHS, Type.INT, 30, Range.between(1, 10_000), Importance.LOW,
                    "retrain: maximum epochs of the warm-started challenger.")
            .define(RETRAIN_TOLERANCE, Type.DOUBLE, 0.05, Range.between(0.0, 10.0), Importance.MEDIUM,
                    "retrain: the challenger's reconstruction error on the newest slice may exceed the champion's by this "
                            + "relative margin and still pass the gate.")
            .define(RETRAIN_RATE_TOLERANCE, Type.DOUBLE, 0.01, Range.between(0.0, 1.0), Importance.MEDIUM,
                    "retrain: the challenger's anomaly rate on the newest slice may exceed the champion's by this much "
                            + "(absolute); ignored by accept-new-normal.")
            .define(RETRAIN_DRIFT_FACTOR, Type.DOUBLE, 5.0, Range.atLeast(0.0), Importance.MEDIUM,
                    "retrain: drift trigger when the live anomaly rate (records on <prefix>.anomalies per latent frame on "
                            + "<prefix>.latents) exceeds this many times the active model's calibrated rate; 0 turns drift detection off.")
            .define(RETRAIN_DRIFT_LATENT_BOUND, Type.DOUBLE, 4.0, Range.atLeast(0.0), Importance.MEDIUM,
                    "retrain: drift trigger when live latents (read from <prefix>.latents) are this far from the model's "
                            + "validation latents: mean of (1/k) sum((mu - mean)^2 / var), about 1 without drift; 0 turns it off.")
            .define(RETRAIN_DRIFT_WINDOW_MS, Type.LONG, 300_000L, Range.atLeast(1000), Importance.LOW,
                    "retrain: sliding window over which the live anomaly rate is measured.")
            .define(RETRAIN_DRIFT_DURATION_MS, Type.LONG, 600_000L, Range.atLeast(0), Importance.LOW,
                    "retrain: how long the rate must stay above the bound before a drift retrain (which also trains on "
                            + "flagged samples: the shifted data is the candidate new normal, and the gate still decides).")
            .define(RETRAIN_TOKEN_FILE, Type.STRING, "", Importance.MEDIUM,
                    "retrain: file holding the bearer token of POST /retrain (or use retrain.token / LATENTSTREAM_RETRAIN_TOKEN).")
            .define(RETRAIN_TOKEN, Type.PASSWORD, null, Importance.MEDIUM,
                    "retrain: bearer token of POST /retrain; never printed. Without a token POST /retrain is refused.")
            .define(MODEL_NAME, Type.STRING, "default", topicName(), Importance.MEDIUM,
                    "Name of the model on the models topic this processor follows (hot swap, rollback).")
            .define(MODEL_MAX_BYTES, Type.INT, 8 << 20, Range.between(1024, 64 << 20), Importance.LOW,
                    "Largest bundle accepted from the models topic; larger ones are refused as OVERSIZED.")
            .define(LATENT_ENCODING, Type.STRING, "f32", ConfigDef.ValidString.in("f32", "f16", "i8"), Importance.MEDIUM,
                    "Encoding of latent frames: f32 (exact), f16 (half size) or i8 (quarter size, per-frame scale).")
            .define(SAMPLES_FRACTION, Type.DOUBLE, 0.02, Range.between(0.0, 1.0), Importance.MEDIUM,
                    "Share of scored records copied to <prefix>.samples for retraining, flagged ones marked with header "
                            + "ls.anomaly=true (decided by a hash of topic-partition-offset, so a replay samples the same records).")
            .define(SCORE_TOP_FEATURES, Type.INT, 3, Range.between(1, 100), Importance.LOW,
                    "How many top contributing features a score record lists.")
            .define(SCORE_STUCK_READINGS, Type.INT, 0, stuckReadings(), Importance.MEDIUM,
                    "Flag a record when one of its features has had exactly the same value for this many consecutive "
                            + "readings of its entity (the record key, or the json context field): a stuck or frozen sensor, "
                            + "whose plausible value the model may reconstruct well. The score record lists it under \"stuck\" "
                            + "and goes to <prefix>.anomalies whatever its score; latentstream_records_stuck_total counts them. "
                            + "The runs are kept in memory per stream task (up to 100,000 entities each, the least recently "
                            + "seen dropped; about 90 + 8 x features bytes per entity besides its key) and start again after a "
                            + "restart or rebalance. 0: off. Features that legitimately "
                            + "hold a value belong in score.stuck.ignore.")
            .define(SCORE_STUCK_IGNORE, Type.LIST, "", Importance.LOW,
                    "Features never reported stuck (score.stuck.readings), by name, comma-separated: ones that "
                            + "legitimately hold a value for long, such as a state, a counter or rain at 0. A name the model "
                            + "does not have fails the start (and is logged when a later version lacks it).")
            .define(SCORES_ENABLED, Type.BOOLEAN, true, Importance.MEDIUM,
                    "Write a score record for every scored input to <prefix>.scores. false: only flagged records "
                            + "get one (on <prefix>.anomalies); latents, samples, dead letters and the retrainer's drift "
                            + "watch are unchanged. For compression deployments, where a score JSON (~300 bytes) per "
                            + "record would outweigh the input and its latent frame.")
            .define(PROCESSING_GUARANTEE, Type.STRING, "exactly_once_v2",
                    ConfigDef.ValidString.in("exactly_once_v2", "at_least_once"), Importance.HIGH,
                    "Kafka Streams processing guarantee. exactly_once_v2: every input offset yields exactly one "
                            + "output (scores+latents, or a dead letter) for read_committed consumers.");

    /** True when a value of this key must never be printed. */
    public static boolean isSecret(String key) {
        ConfigDef.ConfigKey k = DEF.configKeys().get(key);
        if (k != null && k.type == Type.PASSWORD) {
            return true;
        }
        if (key.startsWith(KAFKA_PREFIX)) {
            Type t = KafkaClientKeys.type(key.substring(KAFKA_PREFIX.length()));
            if (t == Type.PASSWORD) {
                return true;
            }
        }
        String lower = key.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("password") || lower.contains("secret") || lower.contains("jaas")
                || lower.contains("token") || lower.endsWith(".key") || lower.contains("credential");
    }

    /** The value as it may be shown to a human. */
    public static String shown(String key, Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Password || isSecret(key)) {
            return "[hidden]";
        }
        return value.toString();
    }

    private static final java.util.regex.Pattern KAFKA_RANGE = java.util.regex.Pattern.compile("\\[([^,\\]]*),\\.\\.\\.(?:,([^,\\]]*))?\\]");

    /** Kafka's range notation ("[0,...,19]", "[1000,...]") as a reader expects it ("0 to 19", ">= 1000"); other text unchanged. */
    static String readableRange(String validator) {
        java.util.regex.Matcher m = KAFKA_RANGE.matcher(validator);
        if (!m.matches()) {
            return validator;
        }
        return m.group(2) == null ? ">= " + m.group(1) : m.group(1) + " to " + m.group(2);
    }

    /** The README's configuration table, generated from {@link #DEF}. */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| key | type | default | allowed | description |\n");
        sb.append("| --- | --- | --- | --- | --- |\n");
        DEF.configKeys().values().stream().sorted(java.util.Comparator.comparing(k -> k.name)).forEach(k -> {
            String def = k.defaultValue == null ? "(none)" : "`" + (k.defaultValue.toString().isEmpty() ? "\"\"" : k.defaultValue) + "`";
            String allowed = k.validator == null ? "" : readableRange(k.validator.toString()).replace("|", "\\|");
            sb.append("| `").append(k.name).append("` | ").append(k.type.name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ").append(def).append(" | ").append(allowed).append(" | ")
                    .append(k.documentation.replace("|", "\\|")).append(" |\n");
        });
        sb.append("| `kafka.*` | | | any producer, consumer, admin or Streams setting | Passed to Kafka clients "
                + "with the prefix removed (TLS, SASL, timeouts). Password-like values are never printed. |\n");
        return sb.toString();
    }
}
