package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.config.Settings;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options every command that reads configuration shares. Declared on the top command with
 * {@link ScopeType#INHERIT}, so {@code latentstream --config f topics apply} and
 * {@code latentstream topics apply --config f} mean the same.
 */
public final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Settings file (.properties or .yaml). Precedence: defaults < file < "
                    + "LATENTSTREAM_* environment < --set / flags.")
    Path configFile;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", scope = ScopeType.INHERIT,
            description = "Set one setting (repeatable), e.g. --set topic.prefix=plant7 or "
                    + "--set kafka.security.protocol=SSL.")
    Map<String, String> sets = new LinkedHashMap<>();

    @Option(names = {"-b", "--bootstrap-server"}, paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
            description = "Kafka bootstrap servers (same as --set bootstrap.servers=...).")
    String bootstrapServer;

    /** Loads and validates the configuration from all sources; throws ConfigError naming the key. */
    public AppConfig load() {
        Map<String, String> flags = new LinkedHashMap<>(sets);
        if (bootstrapServer != null) {
            flags.put(Settings.BOOTSTRAP_SERVERS, bootstrapServer);
        }
        return ConfigLoader.load(configFile, System.getenv(), flags);
    }
}
