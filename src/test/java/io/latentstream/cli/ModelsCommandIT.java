package io.latentstream.cli;

import io.latentstream.codec.LatentFrame;
import io.latentstream.model.BadBundles;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.FastScorer;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.topology.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** models publish / list / rollback as users run them, against the embedded broker. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ModelsCommandIT {
    @TempDir
    Path dir;

    @Test
    void publishListRollback() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String b = kafka.bootstrapServers();
            CliTest.Result rf3 = CliTest.run("topics", "apply", "-b", b); // the plan asks for 3 replicas; one broker here
            assertEquals(ExitCodes.USAGE, rf3.code(), rf3.err());
            assertTrue(rf3.err().contains("but the cluster has 1 broker(s); set topic.replication.factor (at most 1, e.g. "
                    + "--set topic.replication.factor=1 on a development cluster)"), rf3.err());
            assertEquals(0, CliTest.run("topics", "apply", "-b", b, "--set", "topic.replication.factor=1").code());
            Path v1 = dir.resolve("v1.lsb");
            Path v2 = dir.resolve("v2.lsb");
            BundleCodec.write(TestModels.golden(), v1);
            BundleCodec.write(BadBundles.asVersion(TestModels.golden(), 2), v2);

            CliTest.Result p1 = CliTest.run("models", "publish", "--bundle", v1.toString(), "-b", b);
            assertEquals(0, p1.code(), p1.err());
            CliTest.Result none = CliTest.run("models", "publish", "-b", b);
            assertEquals(ExitCodes.USAGE, none.code());
            assertTrue(none.err().contains("name the bundle to publish: models publish MODEL.lsb"), none.err());
            CliTest.Result p2 = CliTest.run("models", "publish", v2.toString(), "-b", b); // the bundle as the argument
            assertEquals(0, p2.code(), p2.err());

            CliTest.Result again = CliTest.run("models", "publish", "--bundle", v2.toString(), "-b", b);
            assertEquals(0, again.code(), again.err());
            assertTrue(again.out().contains("already on latentstream.models with the same bytes; nothing published (active: v2)"),
                    again.out());
            CliTest.Result againOlder = CliTest.run("models", "publish", "--bundle", v1.toString(), "-b", b);
            assertEquals(0, againOlder.code(), againOlder.err());
            assertTrue(againOlder.out().contains("nothing published (active: v2)"), againOlder.out());

            Path v1b = dir.resolve("v1b.lsb"); // version 1 again, but other weights
            BundleCodec.write(BadBundles.asVersion(TestModels.golden(), 1), v1b);
            CliTest.Result older = CliTest.run("models", "publish", "--bundle", v1b.toString(), "-b", b);
            assertEquals(ExitCodes.USAGE, older.code());
            assertTrue(older.err().contains("not newer than v2") && older.err().contains("--force"), older.err());

            CliTest.Result list = CliTest.run("models", "list", "--name", "t", "-b", b);
            assertEquals(0, list.code(), list.err());
            assertTrue(list.out().contains("v2") && list.out().contains("ACTIVE"), list.out());
            assertTrue(list.out().lines().anyMatch(l -> l.startsWith("v1 ") && l.contains("superseded")), list.out());
            CliTest.Result bySetting = CliTest.run("models", "list", "-b", b, "--set", "model.name=t"); // the processor's setting
            assertTrue(bySetting.out().contains("v2") && bySetting.out().contains("ACTIVE"), bySetting.out());

            CliTest.Result rb = CliTest.run("models", "rollback", "--to", "1", "--name", "t", "-b", b);
            assertEquals(0, rb.code(), rb.err());
            CliTest.Result after = CliTest.run("models", "list", "--name", "t", "-b", b);
            assertTrue(after.out().lines().anyMatch(l -> l.startsWith("v1 ") && l.contains("ACTIVE (rollback)")), after.out());

            CliTest.Result missing = CliTest.run("models", "rollback", "--to", "9", "--name", "t", "-b", b);
            assertEquals(ExitCodes.USAGE, missing.code());

            // Export: the active version (v1 after the rollback) and a chosen one, byte for byte as published.
            Path active = dir.resolve("active.lsb");
            CliTest.Result ex = CliTest.run("models", "export", "--name", "t", "--out", active.toString(), "-b", b);
            assertEquals(0, ex.code(), ex.err());
            assertArrayEquals(Files.readAllBytes(v1), Files.readAllBytes(active));
            Path second = dir.resolve("second.lsb");
            assertEquals(0, CliTest.run("models", "export", "2", "--name", "t", "--out", second.toString(), "-b", b).code());
            assertArrayEquals(Files.readAllBytes(v2), Files.readAllBytes(second));
            CliTest.Result generated = CliTest.run("generate", "--count", "5", "--name", "t", "-b", b); // the active v1
            assertEquals(0, generated.code(), generated.err());
            assertEquals(6, generated.out().strip().lines().count(), generated.out());
            assertTrue(generated.err().contains("model t v1 (active on latentstream.models)"), generated.err());
            CliTest.Result generatedFromFile = CliTest.run("generate", "--count", "5", "--model", active.toString());
            assertEquals(generatedFromFile.out(), generated.out(), "the exported bundle generates the same records");
            CliTest.Result noModel = CliTest.run("generate", "--count", "5");
            assertEquals(ExitCodes.USAGE, noModel.code());
            assertTrue(noModel.err().contains("give --model, or --bootstrap-server"), noModel.err());
            CliTest.Result noSuch = CliTest.run("models", "export", "9", "--name", "t", "--out", second.toString(), "-b", b);
            assertEquals(ExitCodes.USAGE, noSuch.code());
            assertTrue(noSuch.err().contains("no v9"), noSuch.err());

            // Frames of a version the user has no file of (a retrainer's) decode with the topic's bundle.
            ByteArrayOutputStream frames = new ByteArrayOutputStream();
            for (long version : new long[] {2, 1, 2}) {
                FastScorer s = new FastScorer(BundleCodec.read(version == 1 ? v1 : v2));
                FastScorer.Scratch scratch = s.newScratch();
                s.score(new float[s.inputDim()], 0, scratch);
                frames.write(LatentFrame.encode(version, scratch.latent, s.latentDim(), LatentFrame.Encoding.F32));
            }
            Path file = dir.resolve("frames.bin");
            Files.write(file, frames.toByteArray());
            CliTest.Result decoded = CliTest.run("decode", "--file", file.toString(), "--name", "t", "-b", b);
            assertEquals(0, decoded.code(), decoded.err());
            assertEquals(List.of("2", "1", "2"), decoded.out().lines().skip(1).map(l -> l.split(",")[0]).toList(), decoded.out());
            assertTrue(decoded.err().contains("model v2 (latentstream.models)"), decoded.err());
            CliTest.Result mixed = CliTest.run("decode", "--file", file.toString(), "--model", v1.toString(), "--name", "t", "-b", b);
            assertEquals(0, mixed.code(), mixed.err());
            assertTrue(mixed.err().contains("model v1 (--model)") && mixed.err().contains("model v2 (latentstream.models)"),
                    mixed.err());
            CliTest.Result otherModel = CliTest.run("decode", "--file", file.toString(), "-b", b);
            assertEquals(ExitCodes.USAGE, otherModel.code());
            assertTrue(otherModel.err().contains("of model 'default'") && otherModel.err().contains("--name"), otherModel.err());

            // A version with another feature set would split the fleet (running processors refuse it, new ones load it):
            // refused unless asked for, then published with the instruction to restart.
            BadBundles.Bad narrower = BadBundles.all(TestModels.golden(), 3, 150_000).stream()
                    .filter(x -> x.name().equals("wrong feature count")).findFirst().orElseThrow();
            Path v3 = Files.write(dir.resolve("v3.lsb"), narrower.bytes());
            CliTest.Result split = CliTest.run("models", "publish", "--bundle", v3.toString(), "-b", b);
            assertEquals(ExitCodes.USAGE, split.code(), split.err());
            assertTrue(split.err().contains("v" + narrower.version() + " does not fit the stream of the active v1: features")
                    && split.err().contains("--allow-incompatible, then restart every processor"), split.err());
            assertTrue(CliTest.run("models", "list", "--name", "t", "-b", b).out().lines()
                    .anyMatch(l -> l.startsWith("v1 ") && l.contains("ACTIVE")), "nothing was published");
            CliTest.Result rbSplit = CliTest.run("models", "rollback", "--to", "2", "--name", "t", "-b", b);
            assertEquals(0, rbSplit.code(), rbSplit.err()); // v2 fits v1's stream
            CliTest.Result allowed = CliTest.run("models", "publish", "--bundle", v3.toString(), "-b", b, "--allow-incompatible");
            assertEquals(0, allowed.code(), allowed.err());
            assertTrue(allowed.out().contains("it is now the active version; it does not fit the stream of v2")
                    && allowed.out().contains("RESTART EVERY PROCESSOR"), allowed.out());
            CliTest.Result back = CliTest.run("models", "rollback", "--to", "2", "--name", "t", "-b", b);
            assertEquals(ExitCodes.USAGE, back.code(), back.err());
            assertTrue(back.err().contains("v2 does not fit the stream of the active v" + narrower.version()), back.err());
        }
    }
}
