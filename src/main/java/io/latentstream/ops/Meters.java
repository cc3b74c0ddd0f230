package io.latentstream.ops;

import io.latentstream.codec.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one vocabulary of latentstream's own meters (prefix {@code latentstream_}). Every meter name
 * and tag is declared here; components get an instance and never invent names.
 */
public final class Meters {
    public static final String PREFIX = "latentstream.";

    private final MeterRegistry registry;
    private final Counter recordsIn;
    private final Counter scored;
    private final Counter anomalies;
    private final Counter sampled;
    private final Counter imputed;
    private final Counter stuck;
    private final Map<DeadLetterReason, Counter> deadLettered = new EnumMap<>(DeadLetterReason.class);
    private final DistributionSummary scores;
    private final Timer scoringLatency;
    private final AtomicLong activeModelVersion = new AtomicLong(0);
    private final Counter swaps;
    private final AtomicLong samplesWindow = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicReference<Double> driftRate = new java.util.concurrent.atomic.AtomicReference<>(0.0);
    private final java.util.concurrent.atomic.AtomicReference<Double> driftLatent = new java.util.concurrent.atomic.AtomicReference<>(0.0);
    private final java.util.concurrent.atomic.AtomicReference<Double> lastPublished =
            new java.util.concurrent.atomic.AtomicReference<>(0.0);
    private final java.util.concurrent.atomic.AtomicReference<Double> expectedAnomalyRate =
            new java.util.concurrent.atomic.AtomicReference<>(0.0);
    private final java.util.concurrent.atomic.AtomicReference<Double> threshold =
            new java.util.concurrent.atomic.AtomicReference<>(0.0);

    /** Meters on a Prometheus registry with the JVM's own metrics bound (what /metrics serves). */
    public static Meters prometheus() {
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry r =
                new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(r);
        new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(r);
        new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(r);
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(r);
        new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(r);
        return new Meters(r);
    }

    public Meters(MeterRegistry registry) {
        this.registry = registry;
        recordsIn = Counter.builder(PREFIX + "records.in").description("Input records read").register(registry);
        scored = Counter.builder(PREFIX + "records.scored").description("Records scored").register(registry);
        anomalies = Counter.builder(PREFIX + "anomalies")
                .description("Records the model's score flags (a stuck sensor's are counted in latentstream_records_stuck_total)")
                .register(registry);
        sampled = Counter.builder(PREFIX + "samples").description("Records copied to the samples topic").register(registry);
        imputed = Counter.builder(PREFIX + "records.imputed")
                .description("Records scored without some of their features, which the model imputed (input.missing.max)").register(registry);
        stuck = Counter.builder(PREFIX + "records.stuck")
                .description("Records flagged because a feature held the same value for score.stuck.readings readings of its entity")
                .register(registry);
        for (DeadLetterReason r : DeadLetterReason.values()) {
            deadLettered.put(r, Counter.builder(PREFIX + "records.dead.lettered").tag("reason", r.name())
                    .description("Records sent to the dead-letter topic, by reason").register(registry));
        }
        scores = DistributionSummary.builder(PREFIX + "score").description("Anomaly scores")
                .serviceLevelObjectives(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128).register(registry);
        scoringLatency = Timer.builder(PREFIX + "scoring.latency").description("Time to parse and score one record")
                .serviceLevelObjectives(java.time.Duration.ofNanos(2_000), java.time.Duration.ofNanos(10_000),
                        java.time.Duration.ofNanos(50_000), java.time.Duration.ofNanos(250_000), java.time.Duration.ofMillis(1))
                .register(registry);
        io.micrometer.core.instrument.Gauge.builder(PREFIX + "model.active.version", activeModelVersion, AtomicLong::get)
                .description("Version of the model scoring now (0 = none loaded)").register(registry);
        io.micrometer.core.instrument.Gauge.builder(PREFIX + "model.expected.anomaly.rate", expectedAnomalyRate,
                        java.util.concurrent.atomic.AtomicReference::get)
                .description("Share of records the active model flags on normal data (1 - threshold quantile)").register(registry);
        io.micrometer.core.instrument.Gauge.builder(PREFIX + "model.threshold", threshold, java.util.concurrent.atomic.AtomicReference::get)
                .description("Score above which the active model flags a record (threshold / sensitivity; 0 = none loaded)")
                .register(registry);
        swaps = Counter.builder(PREFIX + "model.swaps").description("Model versions swapped in without restart").register(registry);
        io.micrometer.core.instrument.Gauge.builder(PREFIX + "retrain.samples.window", samplesWindow, AtomicLong::get)
                .description("Samples trained on in the last retraining window (flagged ones held out for calibration not counted)").register(registry);
        io.micrometer.core.instrument.Gauge.builder(PREFIX + "retrain.last.published.seconds", lastPublished,
                        java.util.concurrent.atomic.AtomicReference::get)
                .description("Unix time of the last published retrain (0 = none yet)").register(registry);
        io.micrometer.core.instrument.Gauge.builder(PREFIX + "drift.anomaly.rate", driftRate,
                        java.util.concurrent.atomic.AtomicReference::get)
                .description("Live anomaly rate the retrainer measures: anomaly records per latent frame (drift statistic)").register(registry);
        io.micrometer.core.instrument.Gauge.builder(PREFIX + "drift.latent.distance", driftLatent,
                        java.util.concurrent.atomic.AtomicReference::get)
                .description("Distance of live latents from the model's validation latents, ~1 without drift").register(registry);
        for (String outcome : new String[] {"published", "rejected", "skipped", "failed"}) {
            Counter.builder(PREFIX + "retrain.decisions").tag("outcome", outcome).description("Retraining decisions by outcome")
                    .register(registry);
        }
        for (io.latentstream.model.BundleException.Reason r : io.latentstream.model.BundleException.Reason.values()) {
            rejectedCounter(r.name()); // present from the first scrape, so dashboards and alerts see zeros
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void recordIn() {
        recordsIn.increment();
    }

    public void scored(double score, boolean anomaly, long nanos) {
        scored.increment();
        scores.record(score);
        scoringLatency.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (anomaly) {
            anomalies.increment();
        }
    }

    public void sampled() {
        sampled.increment();
    }

    public void imputed() {
        imputed.increment();
    }

    /** A record with a stuck feature (score.stuck.readings). */
    public void stuck() {
        stuck.increment();
    }

    public void deadLettered(DeadLetterReason reason) {
        deadLettered.get(reason).increment();
    }

    public void activeModel(long version) {
        activeModelVersion.set(version);
    }

    /**
     * What the active model flags: its calibrated anomaly rate (for the "anomaly rate far above
     * calibrated" alert) and its effective upper threshold (the line on the score panel; it moves with
     * `models threshold` and retrains).
     */
    public void calibration(double expectedRate, double effectiveThreshold) {
        expectedAnomalyRate.set(expectedRate);
        threshold.set(effectiveThreshold);
    }

    public void modelSwapped(long version) {
        swaps.increment();
        activeModelVersion.set(version);
    }

    public void modelRejected(String reason) {
        rejectedCounter(reason).increment();
    }

    private Counter rejectedCounter(String reason) {
        return Counter.builder(PREFIX + "models.rejected").tag("reason", reason).description("Model bundles refused, by reason")
                .register(registry);
    }

    public long modelsRejected(String reason) {
        Counter c = registry.find(PREFIX + "models.rejected").tag("reason", reason).counter();
        return c == null ? 0 : (long) c.count();
    }

    public long swapCount() {
        return (long) swaps.count();
    }

    public void retrainDecision(String outcome, double seconds) {
        Counter.builder(PREFIX + "retrain.decisions").tag("outcome", outcome).description("Retraining decisions by outcome")
                .register(registry).increment();
        if ("published".equals(outcome)) {
            lastPublished.set(System.currentTimeMillis() / 1000.0);
        }
    }

    public void trainingDuration(double seconds) {
        Timer.builder(PREFIX + "retrain.training.duration").description("Time to train a challenger")
                .register(registry).record(Duration.ofNanos((long) (seconds * 1e9)));
    }

    public void drift(double anomalyRate, double latentDistance) {
        driftRate.set(anomalyRate);
        driftLatent.set(latentDistance);
    }

    public void samplesWindow(int rows) {
        samplesWindow.set(rows);
    }

    public long retrainDecisions(String outcome) {
        Counter c = registry.find(PREFIX + "retrain.decisions").tag("outcome", outcome).counter();
        return c == null ? 0 : (long) c.count();
    }

    /** Totals for progress lines and tests. */
    public long recordsIn() {
        return (long) recordsIn.count();
    }

    public long scoredCount() {
        return (long) scored.count();
    }

    public long anomalyCount() {
        return (long) anomalies.count();
    }

    public long deadLetteredCount() {
        return (long) deadLettered.values().stream().mapToDouble(Counter::count).sum();
    }

    public long deadLetteredCount(DeadLetterReason r) {
        return (long) deadLettered.get(r).count();
    }
}
