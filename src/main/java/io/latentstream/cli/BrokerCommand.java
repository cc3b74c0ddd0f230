package io.latentstream.cli;

import io.latentstream.ops.ChildBroker;
import io.latentstream.ops.EmbeddedKafka;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code latentstream broker}: a single-node KRaft broker on loopback for development and tests. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Run a single-node Kafka broker (KRaft, Apache Kafka's own server code) bound to 127.0.0.1, "
                + "until SIGTERM or Ctrl-C. For development and tests, not production.",
            "With one broker, give processors a transaction timeout longer than this broker's restart time "
                + "(kafka.transaction.timeout.ms=60000): see README, Reliability."},
        footer = {"", "Examples:", "  latentstream broker                       # temporary data, free port",
            "  latentstream broker --log-dir /tmp/k --port 9092 --controller-port 9093"})
public final class BrokerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--log-dir", paramLabel = "DIR",
            description = "Data directory (kept, reused on restart). Default: a temporary directory deleted on exit.")
    Path logDir;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0", description = "Broker port on 127.0.0.1 (0 = a free port).")
    int port;

    @Option(names = "--controller-port", paramLabel = "PORT", defaultValue = "0", description = "KRaft controller port (0 = a free port).")
    int controllerPort;

    @Override
    public Integer call() throws Exception {
        boolean temporary = logDir == null;
        Path dir = temporary ? Files.createTempDirectory("latentstream-broker-") : logDir;
        int bp = port == 0 ? EmbeddedKafka.freePort() : port;
        int cp = controllerPort == 0 ? EmbeddedKafka.freePort() : controllerPort;
        EmbeddedKafka kafka = EmbeddedKafka.start(dir, temporary, bp, cp);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "broker-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println(ChildBroker.READY_MARKER + kafka.bootstrapServers());
        out.println("broker ready at " + kafka.bootstrapServers() + " (data in " + dir + "); Ctrl-C to stop");
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }
}
