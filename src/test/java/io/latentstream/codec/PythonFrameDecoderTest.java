package io.latentstream.codec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reference decoder in a second language (tools/latent_frame.py, Python standard library)
 * decodes frames written by the Java side to the same values. .ci/run installs python3.
 */
class PythonFrameDecoderTest {
    @Test
    void pythonDecodesJavaFrames(@TempDir Path dir) throws Exception {
        Random rnd = new Random(5);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<LatentFrame.Decoded> expected = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int dim = 1 + rnd.nextInt(40);
            float[] v = new float[dim];
            for (int j = 0; j < dim; j++) {
                v[j] = (float) (rnd.nextGaussian() * 3);
            }
            LatentFrame.Encoding e = LatentFrame.Encoding.values()[i % 3];
            byte[] frame = LatentFrame.encode(1000L + i, v, dim, e);
            all.write(frame);
            expected.add(LatentFrame.decode(frame, 0));
        }
        Path file = dir.resolve("frames.bin");
        Files.write(file, all.toByteArray());
        Process p = new ProcessBuilder("python3", "tools/latent_frame.py", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.strip().split("\n");
        assertEquals(expected.size(), lines.length);
        for (int i = 0; i < lines.length; i++) {
            String[] f = lines[i].split(",");
            LatentFrame.Decoded d = expected.get(i);
            assertEquals(d.modelVersion(), Long.parseLong(f[0]));
            assertEquals(d.encoding().id(), f[1]);
            assertEquals(d.values().length, f.length - 2);
            for (int j = 0; j < d.values().length; j++) {
                // Python computes i8 values in double precision; Java in float.
                assertEquals(d.values()[j], Double.parseDouble(f[j + 2]), Math.abs(d.values()[j]) * 1e-6 + 1e-9);
            }
        }
    }
}
