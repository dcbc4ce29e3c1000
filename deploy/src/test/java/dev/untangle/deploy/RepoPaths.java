package dev.untangle.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root from the test's working directory (the module dir under Maven). */
final class RepoPaths {
    private RepoPaths() {
    }

    /** The nearest directory at or above the working directory that holds both k8s/ and dashboards/. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("k8s")) && Files.isDirectory(d.resolve("dashboards"))) {
                return d;
            }
        }
        throw new IllegalStateException("no directory with k8s/ and dashboards/ at or above " + dir);
    }
}
