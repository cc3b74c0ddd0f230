package io.latentstream.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.BundleException;
import io.latentstream.model.ModelBundle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the models topic says about one model name: every version's raw bundle, the activation
 * pointer and retraining decisions. Fed record by record (in topic order); not thread-safe.
 */
public final class ModelCatalog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final long maxBundleBytes;
    private final TreeMap<Long, byte[]> raw = new TreeMap<>();
    private final Map<Long, Verified> verified = new TreeMap<>();
    private Long activeVersion;
    private long seq;
    private long lastBundleSeq = -1;
    private long activationSeq = -1;
    private String activeReason;
    private final List<JsonNode> decisions = new ArrayList<>();

    /** A version after full verification: the bundle, or why it was refused. */
    public record Verified(long version, ModelBundle bundle, BundleException.Reason reason, String message) {
        public boolean ok() {
            return bundle != null;
        }
    }

    public ModelCatalog(String name, long maxBundleBytes) {
        this.name = name;
        this.maxBundleBytes = maxBundleBytes;
    }

    public String name() {
        return name;
    }

    /** Applies one record of the models topic. */
    public void apply(byte[] key, byte[] value) {
        ModelsTopic.Key k = ModelsTopic.Key.parse(key);
        if (k == null || !k.name().equals(name)) {
            return;
        }
        seq++;
        switch (k.kind()) {
            case "bundle" -> {
                lastBundleSeq = seq;
                if (value == null) {
                    raw.remove(k.version());
                } else {
                    raw.put(k.version(), value);
                }
                verified.remove(k.version());
            }
            case "active" -> {
                if (value == null) {
                    activeVersion = null;
                    return;
                }
                try {
                    JsonNode n = JSON.readTree(value);
                    activeVersion = n.get("version").asLong();
                    activationSeq = seq;
                    activeReason = n.path("reason").asText("");
                } catch (Exception e) {
                    // an unreadable activation record is ignored; the newest valid version rules
                }
            }
            case "decision" -> {
                try {
                    decisions.add(JSON.readTree(value));
                } catch (Exception ignored) {
                    // not ours to fail on
                }
            }
            default -> {
            }
        }
    }

    /** Verifies (once, cached) the bundle of a version. */
    public Verified verify(long version) {
        return verified.computeIfAbsent(version, v -> {
            byte[] bytes = raw.get(v);
            if (bytes == null) {
                return new Verified(v, null, BundleException.Reason.BAD_MANIFEST, "no bundle with version " + v);
            }
            try {
                ModelBundle b = BundleCodec.read(bytes, maxBundleBytes);
                if (b.version() != v || !b.manifest().name().equals(name)) {
                    return new Verified(v, null, BundleException.Reason.BAD_MANIFEST, "bundle says " + b.manifest().name()
                            + " v" + b.version() + " but was published as " + name + " v" + v);
                }
                return new Verified(v, b, null, null);
            } catch (BundleException e) {
                return new Verified(v, null, e.reason(), e.getMessage());
            }
        });
    }

    /** Versions present on the topic, ascending. */
    public List<Long> versions() {
        return new ArrayList<>(raw.keySet());
    }

    public Long latestVersion() {
        return raw.isEmpty() ? null : raw.lastKey();
    }

    /**
     * The version the last activation record names, if that record is newer than every bundle
     * record (a rollback); null when a bundle was written after it (then the newest valid rules).
     */
    public Long activationPointer() {
        return activationSeq > lastBundleSeq ? activeVersion : null;
    }

    public String activationReason() {
        return activeReason;
    }

    public List<JsonNode> decisions() {
        return List.copyOf(decisions);
    }

    /**
     * The version the last activation record names, whatever was written after it (the operator's or
     * the retrainer's last explicit choice), verified; null when there is none or it is invalid.
     */
    public Verified lastActivated() {
        if (activeVersion == null || !raw.containsKey(activeVersion)) {
            return null;
        }
        Verified v = verify(activeVersion);
        return v.ok() ? v : null;
    }

    /**
     * Null when a valid version could replace the last activated one, else why not. A bundle written
     * without an activation record (never by our tools) must fit the stream the activated model
     * defines, so a cold start cannot pick up one that a running processor would have refused.
     */
    public String incompatibility(Verified v) {
        Verified anchor = lastActivated();
        if (anchor == null || !v.ok() || anchor.version() == v.version()) {
            return null;
        }
        return Compatibility.check(anchor.bundle(), v.bundle());
    }

    /**
     * Null when {@code version} can become the version the fleet runs (on the topic, verified, fitting
     * the stream of the version it runs now, or that version itself); else why not, in words.
     */
    public String activationRefusal(long version) {
        if (!raw.containsKey(version)) {
            return "there is no v" + version + " of model " + name + " on the topic (versions " + versions() + ")";
        }
        Verified v = verify(version);
        if (!v.ok()) {
            return "v" + version + " does not verify: " + v.message();
        }
        Verified active = desired();
        String why = active == null || active.version() == version ? null : Compatibility.check(active.bundle(), v.bundle());
        return why == null ? null : "v" + version + " does not fit the stream of the active v" + active.version() + ": " + why
                + " (running processors would refuse it; `latentstream models rollback --to " + version
                + " --allow-incompatible` activates it, then restart every processor)";
    }

    /**
     * The version the fleet should run: the activation pointer when it is the latest word and
     * names a valid version, else the newest valid version compatible with the last activated one.
     */
    public Verified desired() {
        Long pointer = activationPointer();
        if (pointer != null && raw.containsKey(pointer)) {
            Verified v = verify(pointer);
            if (v.ok()) {
                return v;
            }
        }
        for (Long v : raw.descendingKeySet()) {
            Verified x = verify(v);
            if (x.ok() && incompatibility(x) == null) {
                return x;
            }
        }
        return null;
    }

    public byte[] rawBundle(long version) {
        return raw.get(version);
    }
}
