package io.tocsin.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A YAML configuration file read for validation: its tree, plus the line of every key, so that each problem found
 * afterwards can name the file, the line, the key and the fix ({@link #problem}). Shared by the configuration
 * readers ({@link IngestYamlConfig}, the webhooks file, the standalone ingest node's file).
 *
 * <p>Stricter than plain Jackson where a typo would otherwise go unnoticed: a key given twice in one mapping is an
 * error, not "the last one wins".
 *
 * <pre>{@code
 * LineNumberedYaml yaml = LineNumberedYaml.parse(text, "conf/ingest.yaml");
 * if (!yaml.root().path("mqtt").path("port").canConvertToInt()) {
 *     throw yaml.problem("mqtt.port", "must be a whole number", "write digits only, e.g. 1883");
 * }
 * }</pre>
 */
public final class LineNumberedYaml {

    private final String source;
    private final JsonNode root;
    private final Map<String, Integer> lines;

    private LineNumberedYaml(String source, JsonNode root, Map<String, Integer> lines) {
        this.source = source;
        this.root = root;
        this.lines = lines;
    }

    /**
     * A file's text (UTF-8). A file that cannot be read is an {@link IllegalArgumentException}
     * "{@code <file>: cannot read <what>: <cause>; fix: <fix>}".
     */
    public static String read(Path file, String what, String fix) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read " + what + ": " + e + "; fix: " + fix, e);
        }
    }

    /**
     * Parses YAML text; {@code source} names it in errors. An empty document is an empty mapping. Text that is not
     * valid YAML, or repeats a key in one mapping, is an {@link IllegalArgumentException}
     * "{@code <source>, line N: not valid YAML: ...; fix: ...}".
     */
    public static LineNumberedYaml parse(String yaml, String source) {
        Objects.requireNonNull(source, "source");
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        try {
            JsonNode tree = mapper.readTree(yaml);
            JsonNode root = tree == null || tree.isMissingNode() || tree.isNull() ? mapper.createObjectNode() : tree;
            return new LineNumberedYaml(source, root, keyLines(mapper, yaml));
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation();
            throw new IllegalArgumentException(source + (where == null ? "" : ", line " + where.getLineNr())
                    + ": not valid YAML: " + e.getOriginalMessage()
                    + "; fix: check the indentation (spaces only) and the 'key: value' syntax", e);
        }
    }

    /** The line of each key, by its dotted path ("section.key"); the first one where a path occurs twice. */
    private static Map<String, Integer> keyLines(ObjectMapper mapper, String yaml) throws JsonProcessingException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = mapper.getFactory().createParser(yaml)) {
            for (JsonToken token; (token = parser.nextToken()) != null; ) {
                if (token == JsonToken.FIELD_NAME) {
                    String pointer = parser.getParsingContext().pathAsPointer().toString();
                    lines.putIfAbsent(pointer.substring(1).replace('/', '.'),
                            parser.currentTokenLocation().getLineNr());
                }
            }
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading YAML from a string", e);
        }
        return lines;
    }

    /** The document's top node (an empty mapping for an empty document; not necessarily a mapping). */
    public JsonNode root() {
        return root;
    }

    /** What names this document in errors, normally the file's path. */
    public String source() {
        return source;
    }

    /**
     * The line of a key given by its dotted path ({@code "stations.station-07.url"}), or else of the nearest key
     * that encloses it (a missing key points at its section); null when there is none.
     */
    public Integer line(String key) {
        Integer line = lines.get(key);
        for (String k = key; line == null && k.contains("."); ) {
            k = k.substring(0, k.lastIndexOf('.'));
            line = lines.get(k);
        }
        return line;
    }

    /** "{@code <source>, line N: key <key>: <what>; fix: <fix>}" (no line part when the key has none). */
    public IllegalArgumentException problem(String key, String what, String fix) {
        Integer line = line(key);
        return new IllegalArgumentException(source + (line == null ? "" : ", line " + line) + ": key " + key
                + ": " + what + "; fix: " + fix);
    }
}
