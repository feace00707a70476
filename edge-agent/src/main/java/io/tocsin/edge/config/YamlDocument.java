package io.tocsin.edge.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * A YAML file read as a tree, with the line of every key remembered, so that a validation error can say
 * "agent.yaml:14: drivers[1].devices[0].unit-id". Jackson's tree does not keep locations, so the file is
 * read twice: once as tokens to note lines by path, once as a tree.
 */
final class YamlDocument {

    private static final YAMLFactory YAML = new YAMLFactory();

    /** How errors name the document: the file name, or where a pushed configuration came from. */
    final String name;
    final JsonNode root;
    private final Map<String, Integer> lines;

    private YamlDocument(String name, JsonNode root, Map<String, Integer> lines) {
        this.name = name;
        this.root = root;
        this.lines = lines;
    }

    static YamlDocument read(Path file) throws IOException {
        return parse(String.valueOf(file.getFileName()), Files.readString(file));
    }

    static YamlDocument parse(String name, String text) throws IOException {
        JsonNode root = new ObjectMapper(YAML).readTree(text);
        return new YamlDocument(name, root, linesByPath(text));
    }

    /** Line (1-based) of the key at {@code path} ("drivers[1].host"), or of its nearest parent known. */
    int lineOf(String path) {
        String p = path;
        while (!p.isEmpty()) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut <= 0 ? "" : p.substring(0, cut);
        }
        return 1;
    }

    private static Map<String, Integer> linesByPath(String text) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        // Each frame: the path of a container and, for arrays, the next index.
        Deque<String> paths = new ArrayDeque<>();
        Deque<int[]> indexes = new ArrayDeque<>();
        String pendingField = null;
        try (JsonParser parser = YAML.createParser(text)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                JsonLocation where = parser.currentTokenLocation();
                int line = (int) where.getLineNr();
                if (token == JsonToken.FIELD_NAME) {
                    String parent = paths.isEmpty() ? "" : paths.peek();
                    pendingField = parent.isEmpty() ? parser.currentName() : parent + "." + parser.currentName();
                    lines.put(pendingField, line);
                    continue;
                }
                if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    paths.pop();
                    indexes.pop();
                    continue;
                }
                String here;
                if (pendingField != null) {
                    here = pendingField;
                    pendingField = null;
                } else if (!indexes.isEmpty() && indexes.peek()[0] >= 0) {
                    here = paths.peek() + "[" + indexes.peek()[0]++ + "]";
                    lines.putIfAbsent(here, line);
                } else {
                    here = "";
                }
                if (token == JsonToken.START_OBJECT) {
                    paths.push(here);
                    indexes.push(new int[] {-1});
                } else if (token == JsonToken.START_ARRAY) {
                    paths.push(here);
                    indexes.push(new int[] {0});
                }
            }
        }
        return lines;
    }
}
