package io.latentstream.model;

/**
 * One dense layer over a block of rows, the only arithmetic of any weight in the scorer:
 * {@code y[r·ys + j] = act(b[j] + W[n + ctx[r]][j] + Σ_{i<n} x[r·xs + i] · W[i][j])} for
 * {@code r < rows}, {@code j < o}, where W is row-major with {@code o} columns, the context term
 * is present only when {@code ctx != null} (the context one-hot folded in as one weight row), and
 * act is leaky ReLU when {@code activate}. {@code o} is a multiple of {@link #lanes()}: the scorer
 * pads every layer's columns with zero weights so no kernel needs a tail loop.
 *
 * <p>Two implementations: {@link VectorDenseKernel} (jdk.incubator.vector, register-blocked) and
 * {@link ScalarDenseKernel} (plain loops, used when the JVM was started without
 * {@code --add-modules jdk.incubator.vector}). {@link #best()} picks one once per JVM.
 */
interface DenseKernel {
    /** System property forcing a kernel: {@code auto} (default), {@code vector} or {@code scalar}. */
    String PROPERTY = "latentstream.kernel";

    void dense(float[] w, float[] b, int n, int o, float[] x, int xs, float[] y, int ys, int rows, int[] ctx,
               float leak, boolean activate);

    /**
     * {@code out[i] = Σ_{j<o} W[i][j] · g[j]} for {@code i < n}: a layer's weights applied backwards,
     * the gradient with respect to its inputs from the one of its outputs ({@code g}, length o).
     */
    void rowDots(float[] w, int n, int o, float[] g, float[] out);

    /** Column padding the kernel needs (floats per vector register; 1 for the scalar kernel). */
    int lanes();

    /** Short description for logs and benchmark output, e.g. "vector (16 × float)". */
    String describe();

    /** The kernel for this JVM; throws IllegalStateException when latentstream.kernel asks for one it cannot have. */
    static DenseKernel best() {
        if (Holder.BEST == null) {
            throw new IllegalStateException(Holder.PROBLEM);
        }
        return Holder.BEST;
    }

    /** The vector kernel, or empty when jdk.incubator.vector is not in the boot layer. */
    static java.util.Optional<DenseKernel> vector() {
        return Holder.VECTOR;
    }

    final class Holder {
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DenseKernel.class);
        static final java.util.Optional<DenseKernel> VECTOR = loadVector();
        static final String PROBLEM = problem();
        static final DenseKernel BEST = PROBLEM == null ? choose() : null;

        private Holder() {
        }

        private static java.util.Optional<DenseKernel> loadVector() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return java.util.Optional.empty();
            }
            try {
                // Loaded by name so this class never links against the incubator module itself.
                return java.util.Optional.of((DenseKernel) Class.forName("io.latentstream.model.VectorDenseKernel")
                        .getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException | LinkageError e) {
                LOG.warn("vector scoring kernel unavailable ({}); using the scalar kernel", e.toString());
                return java.util.Optional.empty();
            }
        }

        /** Why the requested kernel cannot be had, or null. Not thrown here: an initializer error would escape the CLI's handler. */
        private static String problem() {
            String want = System.getProperty(PROPERTY, "auto").trim();
            if (!java.util.Set.of("auto", "vector", "scalar").contains(want)) {
                return "-D" + PROPERTY + " must be auto, vector or scalar, not '" + want + "'";
            }
            if (want.equals("vector") && VECTOR.isEmpty()) {
                return "-D" + PROPERTY + "=vector but the JVM was started without --add-modules=jdk.incubator.vector";
            }
            return null;
        }

        /** Called only when problem() found none: "vector" then implies the module is there. */
        private static DenseKernel choose() {
            if (System.getProperty(PROPERTY, "auto").trim().equals("scalar")) {
                return new ScalarDenseKernel();
            }
            if (VECTOR.isPresent()) {
                LOG.debug("scoring kernel: {}", VECTOR.get().describe());
                return VECTOR.get();
            }
            LOG.info("scoring kernel: scalar (start java with --add-modules jdk.incubator.vector for the "
                    + "vectorized kernel, about 10x faster for wide models; the latentstream launcher does)");
            return new ScalarDenseKernel();
        }
    }
}
