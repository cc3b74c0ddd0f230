package io.latentstream.lifecycle;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Record layout of the compacted models topic (one partition, so order is total):
 *
 * <ul>
 *   <li>{@code bundle/<name>/<version, 20 digits>} → the bundle bytes ({@code .lsb}); one key per
 *       version, so compaction keeps every version for rollback.</li>
 *   <li>{@code active/<name>} → JSON {@code {"version":V,"reason":"publish|rollback","at":"..."}};
 *       compaction keeps the last one: the version the fleet must run.</li>
 *   <li>{@code decision/<name>/<epoch ms>} → JSON record of a retraining decision (retrain issue).</li>
 * </ul>
 */
public final class ModelsTopic {
    private ModelsTopic() {
    }

    public static final String BUNDLE = "bundle/";
    public static final String ACTIVE = "active/";
    public static final String DECISION = "decision/";

    public static byte[] bundleKey(String name, long version) {
        return (BUNDLE + name + "/" + String.format(Locale.ROOT, "%020d", version)).getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] activeKey(String name) {
        return (ACTIVE + name).getBytes(StandardCharsets.UTF_8);
    }

    /** Parsed key: kind, model name and (for bundles) version; null when the key is not ours. */
    public record Key(String kind, String name, long version) {
        public static Key parse(byte[] raw) {
            if (raw == null) {
                return null;
            }
            String k = new String(raw, StandardCharsets.UTF_8);
            try {
                if (k.startsWith(BUNDLE)) {
                    int slash = k.lastIndexOf('/');
                    return new Key("bundle", k.substring(BUNDLE.length(), slash), Long.parseLong(k.substring(slash + 1)));
                }
                if (k.startsWith(ACTIVE)) {
                    return new Key("active", k.substring(ACTIVE.length()), -1);
                }
                if (k.startsWith(DECISION)) {
                    int slash = k.lastIndexOf('/');
                    return new Key("decision", k.substring(DECISION.length(), slash), Long.parseLong(k.substring(slash + 1)));
                }
            } catch (RuntimeException e) {
                return null;
            }
            return null;
        }
    }
}
