package io.latentstream.lifecycle;

import io.latentstream.model.BadBundles;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.ModelBundle;
import io.latentstream.topology.TestModels;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Which version a processor that starts cold picks from the models topic. */
class ModelCatalogTest {
    private static void activate(ModelCatalog c, String name, long v) {
        c.apply(ModelsTopic.activeKey(name), ("{\"version\":" + v + ",\"reason\":\"publish\"}").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aColdStartNeverPicksAValidButIncompatibleBundleWrittenWithoutActivation() {
        ModelBundle v1 = TestModels.golden();
        String name = v1.manifest().name();
        ModelCatalog c = new ModelCatalog(name, BundleCodec.DEFAULT_MAX_BYTES);
        c.apply(ModelsTopic.bundleKey(name, 1), BundleCodec.write(v1));
        activate(c, name, 1);
        for (BadBundles.Bad bad : BadBundles.all(v1, 10, 100_000)) {
            c.apply(ModelsTopic.bundleKey(name, bad.version()), bad.bytes()); // raw, as an attacker or a bug would
        }
        assertEquals(1, c.desired().version(), "structurally valid but incompatible versions are passed over");
        assertNotNull(c.incompatibility(c.verify(13)), "the wrong feature count is named");
        c.apply(ModelsTopic.bundleKey(name, 100), BundleCodec.write(BadBundles.asVersion(v1, 100)));
        assertEquals(100, c.desired().version(), "a newer compatible version is picked");
    }

    @Test
    void anExplicitActivationStillWins() {
        ModelBundle v1 = TestModels.golden();
        String name = v1.manifest().name();
        ModelCatalog c = new ModelCatalog(name, BundleCodec.DEFAULT_MAX_BYTES);
        c.apply(ModelsTopic.bundleKey(name, 1), BundleCodec.write(v1));
        activate(c, name, 1);
        c.apply(ModelsTopic.bundleKey(name, 2), BundleCodec.write(BadBundles.asVersion(v1, 2)));
        activate(c, name, 2);
        activate(c, name, 1); // rollback
        assertEquals(1, c.desired().version());
    }
}
