package io.latentstream.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The one mapper that writes and reads model bundles ({@code .lsb}). Layout, little-endian:
 *
 * <pre>
 *  0  4  magic "LSB\0"
 *  4  2  format version (1)
 *  6  2  flags (0)
 *  8  4  manifest length M (bytes)
 * 12  4  weight count W (floats)
 * 16  M  manifest, UTF-8 JSON ({@link Manifest})
 * ..  4W weights, float32
 * ..  32 SHA-256 of every byte before it
 * </pre>
 *
 * <p>Reading checks, in order: size cap, magic and format version, manifest (strict and bounded),
 * shapes vs weight count, digest, finite weights, canary inference. Each failure is a
 * {@link BundleException} with a distinct {@link BundleException.Reason}. No Java serialization,
 * no DL4J model serializer: the network is rebuilt in code from whitelisted manifest fields.
 */
public final class BundleCodec {
    public static final int FORMAT_VERSION = 1;
    public static final long DEFAULT_MAX_BYTES = 64L << 20;
    static final byte[] MAGIC = {'L', 'S', 'B', 0};
    static final int HEADER = 16;
    static final int DIGEST = 32;
    static final int MAX_MANIFEST_BYTES = 4 << 20;

    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(16).maxStringLength(1 << 20).maxNumberLength(64).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .disable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private BundleCodec() {
    }

    public static byte[] write(ModelBundle bundle) {
        byte[] manifest;
        try {
            manifest = JSON.writeValueAsBytes(bundle.manifest());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write manifest", e);
        }
        float[] w = bundle.weightsUnsafe();
        int total = HEADER + manifest.length + 4 * w.length + DIGEST;
        ByteBuffer buf = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putShort((short) FORMAT_VERSION).putShort((short) 0).putInt(manifest.length).putInt(w.length);
        buf.put(manifest);
        for (float f : w) {
            buf.putFloat(f);
        }
        buf.put(sha256(buf.array(), 0, total - DIGEST));
        return buf.array();
    }

    /** Writes atomically: a temporary file in the same directory, then a rename. */
    public static void write(ModelBundle bundle, Path file) throws IOException {
        writeBytes(write(bundle), file);
    }

    /** Writes an encoded bundle's bytes as they are (e.g. as published), atomically like {@link #write(ModelBundle, Path)}. */
    public static void writeBytes(byte[] bytes, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                // createTempFile makes the file owner-only; a model bundle is not a secret.
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException notPosix) {
                // keep the default permissions
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static ModelBundle read(Path file) throws BundleException, IOException {
        long size = Files.size(file);
        if (size > DEFAULT_MAX_BYTES) {
            throw new BundleException(BundleException.Reason.OVERSIZED, file + " is " + size + " bytes, more than the "
                    + DEFAULT_MAX_BYTES + " allowed");
        }
        return read(Files.readAllBytes(file), DEFAULT_MAX_BYTES);
    }

    /** Reads and fully verifies a bundle. */
    public static ModelBundle read(byte[] bytes, long maxBytes) throws BundleException {
        if (bytes.length > maxBytes) {
            throw new BundleException(BundleException.Reason.OVERSIZED, bytes.length + " bytes, more than the "
                    + maxBytes + " allowed");
        }
        if (bytes.length < HEADER + DIGEST || !Arrays.equals(Arrays.copyOf(bytes, 4), MAGIC)) {
            throw new BundleException(BundleException.Reason.BAD_FORMAT_VERSION, "not a latentstream bundle (bad magic or too short)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.position(4);
        int version = Short.toUnsignedInt(buf.getShort());
        if (version != FORMAT_VERSION) {
            throw new BundleException(BundleException.Reason.BAD_FORMAT_VERSION, "format version " + version
                    + " is not supported (this build reads version " + FORMAT_VERSION + ")");
        }
        buf.getShort(); // flags, reserved
        long manifestLength = Integer.toUnsignedLong(buf.getInt());
        long weightCount = Integer.toUnsignedLong(buf.getInt());
        if (manifestLength > MAX_MANIFEST_BYTES || HEADER + manifestLength + DIGEST > bytes.length) {
            throw new BundleException(BundleException.Reason.BAD_MANIFEST, "manifest length " + manifestLength
                    + " does not fit the bundle (" + bytes.length + " bytes, manifest limit " + MAX_MANIFEST_BYTES + ")");
        }
        Manifest manifest;
        try {
            manifest = JSON.readValue(bytes, HEADER, (int) manifestLength, Manifest.class);
        } catch (IOException e) {
            throw new BundleException(BundleException.Reason.BAD_MANIFEST, "manifest is not valid: " + firstLine(e.getMessage()), e);
        }
        Architecture arch;
        try {
            validateManifest(manifest);
            ModelBundle probe = new ModelBundle(manifest, new float[0]);
            arch = probe.architecture();
            probe.normalization();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new BundleException(BundleException.Reason.BAD_MANIFEST, "manifest is not valid: " + e.getMessage(), e);
        }
        long expectedLength = HEADER + manifestLength + 4 * weightCount + DIGEST;
        if (weightCount != arch.weightCount() || expectedLength != bytes.length) {
            throw new BundleException(BundleException.Reason.BAD_SHAPES, "architecture " + arch + " needs "
                    + arch.weightCount() + " weights; the bundle declares " + weightCount + " and holds "
                    + Math.max(0, (bytes.length - HEADER - manifestLength - DIGEST) / 4));
        }
        byte[] digest = sha256(bytes, 0, bytes.length - DIGEST);
        if (!MessageDigest.isEqual(digest, Arrays.copyOfRange(bytes, bytes.length - DIGEST, bytes.length))) {
            throw new BundleException(BundleException.Reason.DIGEST_MISMATCH, "SHA-256 digest does not match the content");
        }
        float[] weights = new float[(int) weightCount];
        buf.position((int) (HEADER + manifestLength));
        for (int i = 0; i < weights.length; i++) {
            float f = buf.getFloat();
            if (!Float.isFinite(f)) {
                throw new BundleException(BundleException.Reason.NON_FINITE_WEIGHTS, "weight " + i + " is " + f);
            }
            weights[i] = f;
        }
        ModelBundle bundle = new ModelBundle(manifest, weights);
        canary(bundle);
        return bundle;
    }

    private static void validateManifest(Manifest m) {
        require(m.name() != null && m.name().matches("[A-Za-z0-9._-]{1,100}"), "name must be 1-100 of [A-Za-z0-9._-]");
        require(m.version() >= 1, "version must be >= 1");
        require(m.parent() == null || (m.parent() >= 1 && m.parent() < m.version()), "parent must be an earlier version");
        require(m.features() != null && !m.features().isEmpty() && m.features().size() <= Architecture.MAX_DIM,
                "features must list 1.." + Architecture.MAX_DIM + " names");
        // Names key the JSON object fields a processor reads and the features a score record blames.
        require(m.features().stream().noneMatch(f -> f == null || f.isBlank()), "feature names must not be blank");
        require(new java.util.HashSet<>(m.features()).size() == m.features().size(), "feature names must be unique");
        require(m.architecture() != null, "architecture is missing");
        require("leakyrelu".equals(m.architecture().activation()), "activation must be leakyrelu");
        require(m.architecture().encoderHidden() != null && m.architecture().decoderHidden() != null, "hidden sizes missing");
        require(m.normalization() != null && m.normalization().mean() != null && m.normalization().scale() != null,
                "normalization is missing");
        int rows = m.normalization().mean().length;
        int slots = m.context() == null ? 1 : m.context().vocabulary().size() + 1;
        require(rows == 1 || rows == slots, "normalization has " + rows + " rows, expected 1 or " + slots);
        require(m.normalization().mean()[0].length == m.features().size(), "normalization width differs from feature count");
        if (m.context() != null) {
            require(m.context().vocabulary() != null && m.context().vocabulary().size() >= 1,
                    "context vocabulary must not be empty");
            require(m.context().vocabulary().stream().distinct().count() == m.context().vocabulary().size(),
                    "context vocabulary has duplicates");
        }
        Manifest.ScoringSpec s = m.scoring();
        require(s != null, "scoring is missing");
        require(Double.isFinite(s.threshold()) && s.threshold() >= 0, "threshold must be finite and >= 0");
        require(Double.isFinite(s.lowThreshold()) && s.lowThreshold() >= 0, "lowThreshold must be finite and >= 0");
        require(s.sensitivity() > 0 && Double.isFinite(s.sensitivity()), "sensitivity must be > 0");
        require(s.quantile() > 0 && s.quantile() < 1, "quantile must be in (0, 1)");
        Direction.parse(s.direction());
        require(s.featureWeights() == null || s.featureWeights().length == m.features().size(),
                "featureWeights length differs from feature count");
        if (s.featureWeights() != null) {
            for (float f : s.featureWeights()) {
                require(Float.isFinite(f) && f >= 0, "featureWeights must be finite and >= 0");
            }
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Canary inference: every context slot's mean input must give finite latents, values and scores. */
    private static void canary(ModelBundle bundle) throws BundleException {
        FastScorer scorer;
        try {
            scorer = new FastScorer(bundle);
        } catch (IllegalArgumentException e) {
            throw new BundleException(BundleException.Reason.CANARY_FAILED, e.getMessage(), e);
        }
        FastScorer.Scratch s = scorer.newScratch();
        Normalization n = bundle.normalization();
        int slots = Math.max(1, bundle.contextWidth());
        float[] x = new float[scorer.inputDim()];
        for (int slot = 0; slot < slots; slot++) {
            int row = n.row(slot);
            for (int j = 0; j < x.length; j++) {
                x[j] = n.mean(row, j);
            }
            double score = scorer.score(x, slot, s);
            boolean finite = Double.isFinite(score);
            for (float f : s.latent) {
                finite &= Float.isFinite(f);
            }
            for (float f : s.expected) {
                finite &= Float.isFinite(f);
            }
            if (!finite) {
                throw new BundleException(BundleException.Reason.CANARY_FAILED,
                        "canary inference gave a non-finite result for context slot " + slot);
            }
        }
    }

    static byte[] sha256(byte[] data, int from, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, from, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The manifest as pretty JSON, for humans. */
    public static String manifestJson(Manifest m) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    /** For tests that craft broken bundles: the manifest bytes as written. */
    static byte[] manifestBytes(Manifest m) throws JsonProcessingException {
        return JSON.writeValueAsBytes(m);
    }

}
