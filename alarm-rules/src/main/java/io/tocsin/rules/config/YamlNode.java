package io.tocsin.rules.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML document as a tree that remembers the line of every node, so that a rule-file error can name its
 * line. (Jackson's JsonNode forgets locations; its streaming parser knows them.)
 */
sealed interface YamlNode {

    int line();

    record Scalar(String text, JsonToken token, int line) implements YamlNode {
    }

    record Sequence(List<YamlNode> items, int line) implements YamlNode {
    }

    /** Keys in file order; each entry knows the line of its key. */
    record Mapping(Map<String, Entry> entries, int line) implements YamlNode {
    }

    record Entry(String key, int keyLine, YamlNode value) {
    }

    /** @throws IOException for text that is not YAML (with Jackson's line in the message) */
    static YamlNode parse(String text) throws IOException {
        try (JsonParser p = new YAMLFactory().createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new Mapping(new LinkedHashMap<>(), 1);
            }
            return read(p);
        }
    }

    private static YamlNode read(JsonParser p) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken token = p.currentToken();
        switch (token) {
            case START_OBJECT: {
                Map<String, Entry> entries = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    p.nextToken();
                    YamlNode value = read(p);
                    if (entries.containsKey(key)) {
                        throw new IOException("line " + keyLine + ": key '" + key + "' appears twice (first on line "
                                + entries.get(key).keyLine() + ")");
                    }
                    entries.put(key, new Entry(key, keyLine, value));
                }
                return new Mapping(entries, line);
            }
            case START_ARRAY: {
                List<YamlNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(read(p));
                }
                return new Sequence(items, line);
            }
            default:
                return new Scalar(token == JsonToken.VALUE_NULL ? null : p.getText(), token, line);
        }
    }
}
