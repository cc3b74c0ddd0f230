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
