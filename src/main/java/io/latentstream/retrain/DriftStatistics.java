package io.latentstream.retrain;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The drift statistics over a sliding window, kept per second: the live anomaly rate (flagged
 * share of scored records) and the latent distance D = (1/k) Σ (μᵢ − mᵢ)² / vᵢ of live latents
 * against the latent mean m and variance v the model had on its validation rows (≈ 1 without drift).
 * Drift = either statistic beyond its bound continuously for {@code durationMs}. Pure: no I/O, one thread.
 */
public final class DriftStatistics {
    private final long windowMs;
    private final long durationMs;
    private final double rateFactor;
    private final double latentBound;
    private final Deque<double[]> buckets = new ArrayDeque<>(); // {second, scored, flagged, latents, sumD}
    private long aboveSince = -1;
    private long quietUntil;
    private double rate;
    private double latentDistance;
    private String reason = "";

    /**
     * @param rateFactor  drift when the anomaly rate exceeds this many times the calibrated rate (0 = off)
     * @param latentBound drift when the mean latent distance exceeds this (0 = off; 1 is "no drift")
     */
    public DriftStatistics(long windowMs, long durationMs, double rateFactor, double latentBound) {
        this.windowMs = windowMs;
        this.durationMs = durationMs;
        this.rateFactor = rateFactor;
        this.latentBound = latentBound;
    }

    private double[] bucket(long nowMs) {
        long second = nowMs / 1000;
        if (buckets.isEmpty() || buckets.peekLast()[0] != second) {
            buckets.addLast(new double[] {second, 0, 0, 0, 0});
        }
        return buckets.peekLast();
    }

    public void score(long nowMs, boolean flagged) {
        double[] b = bucket(nowMs);
        b[1]++;
        b[2] += flagged ? 1 : 0;
    }

    /** One flagged record already counted as scored through {@link #score(long, boolean)} with false. */
    public void flagged(long nowMs) {
        bucket(nowMs)[2]++;
    }

    /** One live latent against the model's validation mean and variance. */
    public void latent(long nowMs, float[] mu, double[] mean, double[] var) {
        double d = 0;
        for (int i = 0; i < mu.length; i++) {
            double z = mu[i] - mean[i];
            d += z * z / Math.max(var[i], 1e-6);
        }
        double[] b = bucket(nowMs);
        b[3]++;
        // Clipped per record: a few anomalies far out must not look like the whole population moving.
        b[4] += Math.min(d / mu.length, 16.0);
    }

    /** True when drift has lasted long enough; then the clock restarts and the window is cleared. */
    public boolean drifting(long nowMs, double expectedRate) {
        while (!buckets.isEmpty() && buckets.peekFirst()[0] < (nowMs - windowMs) / 1000) {
            buckets.removeFirst();
        }
        double scored = 0;
        double flagged = 0;
        double latents = 0;
        double sumD = 0;
        for (double[] b : buckets) {
            scored += b[1];
            flagged += b[2];
            latents += b[3];
            sumD += b[4];
        }
        rate = scored == 0 ? 0 : flagged / scored;
        latentDistance = latents == 0 ? 0 : sumD / latents;
        boolean rateHigh = rateFactor > 0 && scored >= 100 && rate > rateFactor * Math.max(expectedRate, 1e-4);
        boolean latentFar = latentBound > 0 && latents >= 100 && latentDistance > latentBound;
        if (nowMs < quietUntil || !(rateHigh || latentFar)) {
            aboveSince = -1;
            return false;
        }
        reason = rateHigh ? "anomaly-rate" : "latent-distribution";
        if (aboveSince < 0) {
            aboveSince = nowMs;
        }
        if (nowMs - aboveSince >= durationMs) {
            aboveSince = -1;
            buckets.clear();
            quietUntil = nowMs + windowMs; // give the model it triggers one window to show its effect
            return true;
        }
        return false;
    }

    public double rate() {
        return rate;
    }

    public double latentDistance() {
        return latentDistance;
    }

    /** Which statistic drifted last: anomaly-rate or latent-distribution. */
    public String reason() {
        return reason;
    }
}
