package io.latentstream.topology;

import io.latentstream.model.BundleCodec;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;

import java.io.InputStream;

/** The golden test bundle (5 features, conditional on contexts a/b/c) as a scorer. */
public final class TestModels {
    private TestModels() {
    }

    public static ModelBundle golden() {
        try (InputStream in = TestModels.class.getResourceAsStream("/golden/v1.lsb")) {
            return BundleCodec.read(in.readAllBytes(), BundleCodec.DEFAULT_MAX_BYTES);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static FastScorer goldenScorer() {
        return new FastScorer(golden());
    }
}
