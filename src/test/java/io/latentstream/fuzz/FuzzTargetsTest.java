package io.latentstream.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.latentstream.codec.BadRecordException;
import io.latentstream.codec.InputFormat;
import io.latentstream.codec.LatentFrame;
import io.latentstream.codec.RecordParser;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.BundleException;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Jazzer fuzz targets. Each target either returns a valid value or throws its declared exception;
 * anything else (another exception, a hang, an OOM) is a finding. `mvn verify` replays the
 * corpus in src/test/resources/io/latentstream/fuzz/FuzzTargetsTestInputs/ (regression mode);
 * fuzz for real with: JAZZER_FUZZ=1 mvn test -Dtest=FuzzTargetsTest#TARGET -Djazzer.max_duration=10m
 */
class FuzzTargetsTest {
    @FuzzTest(maxDuration = "30s")
    void latentFrameDecoder(byte[] data) {
        try {
            LatentFrame.Decoded d = LatentFrame.decode(data, 0);
            if (d.values().length < 1 || d.length() > data.length) {
                throw new IllegalStateException("decoded an impossible frame");
            }
        } catch (LatentFrame.FrameException expected) {
            // declared
        }
    }

    @FuzzTest(maxDuration = "30s")
    void jsonParser(FuzzedDataProvider in) {
        parse(InputFormat.JSON, in);
    }

    @FuzzTest(maxDuration = "30s")
    void csvParser(FuzzedDataProvider in) {
        parse(InputFormat.CSV, in);
    }

    @FuzzTest(maxDuration = "30s")
    void f32Parser(FuzzedDataProvider in) {
        parse(InputFormat.F32, in);
    }

    private static void parse(InputFormat format, FuzzedDataProvider in) {
        int dim = in.consumeInt(1, 16);
        boolean conditional = in.consumeBoolean();
        byte[] key = in.consumeBoolean() ? in.consumeBytes(16) : null;
        byte[] value = in.consumeRemainingAsBytes();
        try {
            // Named as the processor's parsers are, so JSON objects with fields f0, f1, ... are read too.
            List<String> names = IntStream.range(0, dim).mapToObj(i -> "f" + i).toList();
            var r = new RecordParser(format, names, 4096, conditional).parse(key, value);
            if (r.dim != dim) {
                throw new IllegalStateException("parsed " + r.dim + " features, expected " + dim);
            }
            for (int i = 0; i < dim; i++) {
                if (!Float.isFinite(r.features[i])) {
                    throw new IllegalStateException("a non-finite feature got through");
                }
            }
        } catch (BadRecordException expected) {
            // declared: a stable dead-letter reason
        }
    }

    @FuzzTest(maxDuration = "30s")
    void bundleReader(byte[] data) {
        try {
            BundleCodec.read(data, 1 << 20);
        } catch (BundleException expected) {
            // declared: a refusal reason
        }
    }
}
