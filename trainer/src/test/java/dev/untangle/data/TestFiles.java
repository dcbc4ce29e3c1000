package dev.untangle.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locating fixtures: test resources on the classpath, and the shared real data beside the repository. */
final class TestFiles {
    private TestFiles() {
    }

    static Path resource(String name) {
        try {
            var url = TestFiles.class.getClassLoader().getResource(name);
            if (url == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A file under the shared data folder: -Duntangle.shared if given, else the first {@code shared/data}
     * found beside the working directory or one of its parents. Skips the test when the data is absent.
     */
    static Path shared(String relative) {
        String property = System.getProperty("untangle.shared");
        Path found = null;
        if (property != null) {
            found = Path.of(property).resolve("data").resolve(relative);
        } else {
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve("shared").resolve("data").resolve(relative);
                if (Files.exists(candidate)) {
                    found = candidate;
                    break;
                }
            }
        }
        assumeTrue(found != null && Files.exists(found), "shared data not found: " + relative);
        return found;
    }
}
