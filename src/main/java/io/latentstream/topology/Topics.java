package io.latentstream.topology;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;

/** Resolved topic names of one deployment ({@code <prefix>.<role>}, input overridable). */
public record Topics(String input, String latents, String scores, String anomalies, String dlq, String samples,
                     String models, String control) {
    public static Topics from(AppConfig cfg) {
        String p = cfg.getString(Settings.TOPIC_PREFIX);
        String in = cfg.getString(Settings.INPUT_TOPIC);
        return new Topics(in == null || in.isBlank() ? p + ".raw" : in, p + ".latents", p + ".scores", p + ".anomalies",
                p + ".dlq", p + ".samples", p + ".models", p + ".control");
    }
}
