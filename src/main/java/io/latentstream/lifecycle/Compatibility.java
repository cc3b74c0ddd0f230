package io.latentstream.lifecycle;

import io.latentstream.model.ModelBundle;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Whether a new model can replace the running one without changing what the stream means. */
public final class Compatibility {
    private Compatibility() {
    }

    /** Null when compatible, else why not. */
    public static String check(ModelBundle running, ModelBundle next) {
        if (!running.manifest().name().equals(next.manifest().name())) {
            return "model name " + next.manifest().name() + " differs from the running " + running.manifest().name();
        }
        if (!running.features().equals(next.features())) {
            return "features " + next.features() + " (" + next.features().size() + ") differ from the stream's "
                    + running.features() + " (" + running.features().size() + ")";
        }
        if (running.conditional() != next.conditional()) {
            return next.conditional() ? "a conditional model cannot replace a plain one" : "a plain model cannot replace a conditional one";
        }
        if (running.conditional()) {
            // No entity the running model knows may fall back to the unknown-context slot.
            List<String> was = running.manifest().context().vocabulary();
            Set<String> now = new HashSet<>(next.manifest().context().vocabulary());
            List<String> lost = was.stream().filter(c -> !now.contains(c)).toList();
            if (!lost.isEmpty()) {
                return "context vocabulary drops " + (lost.size() > 5 ? lost.subList(0, 5) + "..." : lost)
                        + " known to the running model";
            }
        }
        return null;
    }
}
