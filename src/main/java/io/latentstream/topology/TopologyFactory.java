package io.latentstream.topology;

import io.latentstream.codec.InputFormat;
import io.latentstream.codec.LatentFrame;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.ops.Meters;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.Topology;

/**
 * Builds the processor topology; starts nothing (habit 1). The same graph runs in production, in
 * TopologyTestDriver tests and in the demo:
 *
 * <pre>
 * input --> score --+--> latents     (latent frame per scored record)
 *                   +--> scores      (score JSON per scored record, unless scores.enabled=false)
 *                   +--> anomalies   (score JSON of flagged records)
 *                   +--> samples     (original bytes of sampled records, flagged ones marked)
 *                   +--> dlq         (original bytes + reason headers of bad records)
 * </pre>
 */
public final class TopologyFactory {
    public static final String SOURCE = "input";
    public static final String PROCESSOR = "score";
    public static final String LATENTS_SINK = "latents-sink";
    public static final String SCORES_SINK = "scores-sink";
    public static final String ANOMALIES_SINK = "anomalies-sink";
    public static final String SAMPLES_SINK = "samples-sink";
    public static final String DLQ_SINK = "dlq-sink";

    private TopologyFactory() {
    }

    public static Topology build(AppConfig cfg, ModelRef model, Meters meters) {
        Topics t = Topics.from(cfg);
        InputFormat format = InputFormat.parse(cfg.getString(Settings.INPUT_FORMAT));
        int maxBytes = cfg.getInt(Settings.INPUT_MAX_RECORD_BYTES);
        LatentFrame.Encoding encoding = LatentFrame.Encoding.parse(cfg.getString(Settings.LATENT_ENCODING));
        double fraction = cfg.getDouble(Settings.SAMPLES_FRACTION);
        int top = cfg.getInt(Settings.SCORE_TOP_FEATURES);
        boolean everyScore = cfg.getBoolean(Settings.SCORES_ENABLED);
        int dlqMax = cfg.getInt(Settings.DLQ_MAX_RECORD_BYTES);
        io.latentstream.codec.JsonFields fields = Settings.jsonFields(cfg);
        int maxMissing = cfg.getInt(Settings.INPUT_MISSING_MAX);
        int stuckReadings = cfg.getInt(Settings.SCORE_STUCK_READINGS);
        java.util.Set<String> stuckIgnore = Settings.stuckIgnore(cfg);
        Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), t.input());
        topology.addProcessor(PROCESSOR, () -> new ScoringProcessor(model, meters, format, maxBytes, encoding, fraction, top, everyScore,
                dlqMax, fields, maxMissing, stuckReadings, stuckIgnore), SOURCE);
        ByteArraySerializer ser = new ByteArraySerializer();
        topology.addSink(LATENTS_SINK, t.latents(), ser, ser, PROCESSOR);
        topology.addSink(SCORES_SINK, t.scores(), ser, ser, PROCESSOR);
        topology.addSink(ANOMALIES_SINK, t.anomalies(), ser, ser, PROCESSOR);
        topology.addSink(SAMPLES_SINK, t.samples(), ser, ser, PROCESSOR);
        topology.addSink(DLQ_SINK, t.dlq(), ser, ser, PROCESSOR);
        return topology;
    }
}
