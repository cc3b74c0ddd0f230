package io.latentstream.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.codec.DeadLetterReason;
import io.latentstream.ops.Meters;
import io.latentstream.ops.OpsHttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The demo's live web page, served by the demo's own HTTP server on loopback: {@code /} (page),
 * {@code /app.js}, {@code /app.css}, the vendored chart library (uPlot, from its npm package as a
 * WebJar on the classpath) and {@code /api/state} (JSON, polled once a second). The page's buttons
 * use the real control endpoints, {@code POST /retrain} and {@code POST /rollback}, with the bearer
 * token taken from the URL fragment (never sent to the server except in the Authorization header).
 */
final class DemoPage {
    /** The uPlot version of the WebJar in pom.xml (its resources live under this version). */
    static final String UPLOT_VERSION = "1.6.30";
    private static final String UPLOT_DIR = "META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoPage() {
    }

    static void mount(OpsHttpServer http, DemoTimeline timeline, DemoMonitor monitor, Meters meters, LongSupplier produced) {
        http.addGet("/", "text/html; charset=utf-8", constant("io/latentstream/demo/web/index.html"));
        http.addGet("/app.js", "text/javascript; charset=utf-8", constant("io/latentstream/demo/web/app.js"));
        http.addGet("/app.css", "text/css; charset=utf-8", constant("io/latentstream/demo/web/app.css"));
        http.addGet("/vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8", constant(UPLOT_DIR + "uPlot.iife.min.js"));
        http.addGet("/vendor/uPlot.min.css", "text/css; charset=utf-8", constant(UPLOT_DIR + "uPlot.min.css"));
        long started = System.nanoTime();
        http.addGet("/api/state", "application/json", () -> {
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("elapsed_s", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
            Map<String, Object> totals = new LinkedHashMap<>();
            totals.put("produced", produced.getAsLong());
            totals.put("scored", meters.scoredCount());
            totals.put("dead_lettered", meters.deadLetteredCount());
            totals.put("anomalies", meters.anomalyCount());
            totals.put("caught", monitor.caught.get());
            totals.put("missed", monitor.missed.get());
            totals.put("false_alarms", monitor.falseAlarms.get());
            state.put("totals", totals);
            Map<String, Long> dlq = new LinkedHashMap<>();
            for (DeadLetterReason r : DeadLetterReason.values()) {
                dlq.put(r.name(), meters.deadLetteredCount(r));
            }
            state.put("dead_letters", dlq);
            Map<String, Long> retrain = new LinkedHashMap<>();
            for (String o : new String[] {"published", "rejected", "skipped", "failed"}) {
                retrain.put(o, meters.retrainDecisions(o));
            }
            state.put("retrain_decisions", retrain);
            state.putAll(timeline.snapshot());
            try {
                return JSON.writeValueAsBytes(state);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A classpath resource read once (the page is small and fixed for the run). */
    static java.util.function.Supplier<byte[]> constant(String resource) {
        byte[] bytes;
        try (InputStream in = DemoPage.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("demo page resource missing from the jar: " + resource);
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return () -> bytes;
    }

    /** The address printed at start; the fragment carries the control token to the page only. */
    static String url(int port, String token) {
        return String.format(Locale.ROOT, "http://127.0.0.1:%d/#token=%s", port, token);
    }
}
