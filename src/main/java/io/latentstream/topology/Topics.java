package io.latentstream.topology;

import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigError;
import io.latentstream.config.Settings;

import java.util.List;

/**
 * Resolved topic names of one deployment ({@code <prefix>.<role>}, input overridable). {@code raw}
 * is the plan's input topic; {@code input} is what the processor reads: {@code raw}, unless
 * input.topic names another (the user's own topic, which {@code topics apply} does not create).
 */
public record Topics(String input, String raw, String latents, String scores, String anomalies, String dlq, String samples,
                     String models, String control) {
    public static Topics from(AppConfig cfg) {
        String p = cfg.getString(Settings.TOPIC_PREFIX);
        String in = cfg.getString(Settings.INPUT_TOPIC);
        String raw = p + "." + TopicApplier.INPUT_ROLE;
        Topics t = new Topics(in == null || in.isBlank() ? raw : in, raw, p + ".latents", p + ".scores", p + ".anomalies",
                p + ".dlq", p + ".samples", p + ".models", p + ".control");
        List<String> written = t.written();
        if (written.contains(t.input)) {
            // Reading our own output would feed every output back in (a dead letter, dead-lettered again, forever).
            throw new ConfigError(Settings.INPUT_TOPIC, "bad value '" + in + "' for setting '" + Settings.INPUT_TOPIC
                    + "' (" + cfg.sourceOf(Settings.INPUT_TOPIC) + "): it is one of the topics latentstream writes (" + String.join(", ", written)
                    + "); the processor would read its own output");
        }
        return t;
    }

    /** The topics latentstream writes (every role but the input). */
    public List<String> written() {
        return List.of(latents, scores, anomalies, dlq, samples, models, control);
    }

    /** True when input.topic names a topic of the user's own instead of the plan's {@code <prefix>.raw}. */
    public boolean ownInput() {
        return !input.equals(raw);
    }
}
