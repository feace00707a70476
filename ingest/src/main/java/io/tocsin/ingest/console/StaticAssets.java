package io.tocsin.ingest.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The console's pages, scripts and styles, shipped in the jar under {@code console/} and read into memory once:
 * stations may have no internet, so nothing comes from a CDN, and there is no build step for them.
 */
final class StaticAssets {

    /** A file to serve. */
    record Asset(byte[] bytes, String contentType) {
    }

    static final List<String> FILES = List.of("login.html", "alarms.html", "control-room.html", "console.css",
            "connection.js", "alarms.js", "control-room.js", "login.js");

    private final Map<String, Asset> byPath = new HashMap<>();

    StaticAssets() {
        for (String file : FILES) {
            String resource = "console/" + file;
            try (InputStream in = StaticAssets.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("console asset " + resource + " is missing from the class path");
                }
                byPath.put("/" + file, new Asset(in.readAllBytes(), contentType(file)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read console asset " + resource, e);
            }
        }
    }

    Optional<Asset> find(String path) {
        return Optional.ofNullable(byPath.get(path));
    }

    private static String contentType(String file) {
        if (file.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (file.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (file.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        return "application/octet-stream";
    }
}
