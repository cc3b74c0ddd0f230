package io.latentstream.model;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Only the model package may import DL4J/ND4J (STYLE.md habit 4): DL4J changes then stay local. */
class ImportBoundaryTest {
    @Test
    void dl4jIsConfinedToTheModelPackage() throws Exception {
        Path root = Path.of("src/main/java");
        try (Stream<Path> files = Files.walk(root)) {
            List<String> leaks = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.toString().replace('\\', '/').contains("/io/latentstream/model/"))
                    .filter(p -> {
                        try {
                            return Files.readAllLines(p).stream()
                                    .anyMatch(l -> l.startsWith("import org.deeplearning4j") || l.startsWith("import org.nd4j"));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).map(Path::toString).toList();
            assertEquals(List.of(), leaks);
        }
    }

    @Test
    void noJavaDeserializationOrModelSerializerInMainCode() throws Exception {
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            List<String> hits = files.filter(p -> p.toString().endsWith(".java")).filter(p -> {
                try {
                    String s = Files.readString(p);
                    return s.contains("ObjectInputStream") || s.contains("ModelSerializer");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).map(Path::toString).toList();
            assertEquals(List.of(), hits);
        }
    }
}
