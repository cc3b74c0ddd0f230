package io.latentstream.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks an output path before any work, so a long training run or topic read does not end in
 * "Is a directory" from the final rename, with nothing written.
 */
final class OutputFile {
    private OutputFile() {
    }

    /** What writes the file's text. */
    interface Body<T> {
        T write(java.io.Writer w) throws java.io.IOException;
    }

    /**
     * Writes {@code out} atomically: into a temporary file beside it, renamed over it once complete, so
     * a reader never sees half a file and a failed run leaves the old one. Readable by all (rw-r--r--),
     * as written records are not a secret. Returns what the body returned.
     */
    static <T> T writeAtomically(Path out, Body<T> body) throws java.io.IOException {
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + out.getFileName(), ".tmp");
        try {
            T result;
            try (java.io.BufferedWriter w = Files.newBufferedWriter(tmp, java.nio.charset.StandardCharsets.UTF_8)) {
                result = body.write(w);
            }
            // createTempFile made it owner-only (as BundleCodec.writeBytes undoes too).
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return result;
        } finally {
            Files.deleteIfExists(tmp); // only still there when the write failed
        }
    }

    /**
     * @param option  the flag that named it, for the message
     * @param example a file name to suggest inside it when {@code out} is a directory
     */
    static void check(Path out, String option, String example) {
        if (Files.isDirectory(out)) {
            throw new UsageError(option + " " + out + " is a directory; name the file to write, e.g. " + out.resolve(example));
        }
        // Missing parent directories are created at the write; the nearest existing one must take files.
        Path existing = out.toAbsolutePath().getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing != null && !Files.isDirectory(existing)) {
            throw new UsageError(option + " " + out + ": " + existing + " is a file, not a directory");
        }
        if (existing != null && !Files.isWritable(existing)) {
            throw new UsageError(option + " " + out + ": no permission to write in " + existing);
        }
    }
}
