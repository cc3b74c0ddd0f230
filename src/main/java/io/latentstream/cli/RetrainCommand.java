package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.ops.Meters;
import io.latentstream.ops.OpsHttpServer;
import io.latentstream.retrain.RetrainService;
import io.latentstream.retrain.Retrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code latentstream retrain}: the retraining side process. */
@Command(name = "retrain", mixinStandardHelpOptions = true,
        description = {"Run the retraining side process (its own deployment): on the schedule (retrain.interval.ms), on "
                + "a control message, or on POST /retrain with a bearer token, read the recent samples window, train a "
                + "challenger warm-started from the active model, and publish it only if it is not worse than the "
                + "champion on the newest slice. Decisions are logged, counted and recorded on the models topic.",
            "Only one instance acts at a time: the owner of the control topic's partition."},
        footer = {"", "Examples:",
            "  LATENTSTREAM_RETRAIN_TOKEN=s3cret latentstream retrain --config app.properties --set http.port=8081",
            "  curl -X POST -H 'Authorization: Bearer s3cret' http://localhost:8081/retrain"})
public final class RetrainCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = Cli.config(spec);
        String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, "retrain");
        PrintWriter out = spec.commandLine().getOut();
        // Before training threads exist, so they inherit it.
        out.println("retrainer: " + io.latentstream.ops.ProcessPriority.lowerTo(cfg.getInt(Settings.RETRAIN_NICE),
                cfg.getBoolean(Settings.RETRAIN_CPU_IDLE)) + " (retrain.nice, retrain.cpu.idle)");
        Meters meters = Meters.prometheus();
        Retrainer retrainer = new Retrainer(cfg, bootstrap, meters);
        RetrainService service = new RetrainService(cfg, bootstrap, retrainer).start();
        OpsHttpServer http = null;
        int port = cfg.getInt(Settings.HTTP_PORT);
        if (port >= 0) {
            http = new OpsHttpServer(cfg.getString(Settings.HTTP_BIND_ADDRESS), port,
                    (io.micrometer.prometheusmetrics.PrometheusMeterRegistry) meters.registry(), () -> new OpsHttpServer.Status() {
                        @Override
                        public boolean healthy() {
                            return true;
                        }

                        @Override
                        public boolean ready() {
                            return true;
                        }

                        @Override
                        public Map<String, Object> details() {
                            Map<String, Object> d = new LinkedHashMap<>();
                            d.put("role", "retrainer");
                            d.put("leader", service.leader());
                            d.put("retraining", retrainer.busy());
                            return d;
                        }
                    });
            byte[] token = RetrainService.token(cfg);
            if (token == null) {
                out.println("warning: no retrain.token / retrain.token.file: POST /retrain answers 401 to everyone");
            }
            http.addRetrainEndpoint(token, () -> {
                if (retrainer.busy()) {
                    return OpsHttpServer.RetrainAnswer.BUSY;
                }
                service.request("retrain");
                return OpsHttpServer.RetrainAnswer.ACCEPTED;
            });
            http.addRollbackEndpoint(token, service::requestRollback);
            out.println("http: /metrics /health /ready /retrain /rollback on " + cfg.getString(Settings.HTTP_BIND_ADDRESS) + ":" + http.port());
        }
        out.println("retrainer started for model '" + cfg.getString(Settings.MODEL_NAME) + "'; Ctrl-C to stop");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        OpsHttpServer h = http;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long t0 = System.nanoTime();
            out.println("stopping: a retrain under way gets up to 30 s to finish (one cut off publishes nothing) ...");
            out.flush();
            service.close();
            if (h != null) {
                h.close();
            }
            out.printf(java.util.Locale.ROOT, "retrainer stopped in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            out.flush();
            stop.countDown();
        }, "retrain-shutdown"));
        stop.await();
        return ExitCodes.OK;
    }

}
