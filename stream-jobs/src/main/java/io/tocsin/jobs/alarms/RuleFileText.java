package io.tocsin.jobs.alarms;

import io.tocsin.rules.config.RuleFileLoader;
import io.tocsin.rules.config.RuleSet;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A rule file's text, as the job ships it to the task managers: Flink serialises functions with Java
 * serialization, and the parsed {@link RuleSet} is not Serializable. Validated when created, so a bad file
 * stops the job submission rather than every task.
 *
 * @param name where the text came from, for error messages and logs
 */
public record RuleFileText(String name, String yaml) implements Serializable {

    public RuleFileText {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(yaml, "yaml");
        RuleFileLoader.parse(name, yaml);
    }

    public static RuleFileText of(Path path) {
        try {
            return new RuleFileText(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rule file " + path, e);
        }
    }

    /** The sample rule file shipped with alarm-rules (the demo's rules). */
    public static RuleFileText shippedDefault() {
        return new RuleFileText(RuleFileLoader.DEFAULT_RULES_RESOURCE, RuleFileLoader.defaultRulesText());
    }

    public RuleSet load() {
        return RuleFileLoader.parse(name, yaml);
    }

    @Override
    public String toString() {
        return "RuleFileText[" + name + ", " + yaml.length() + " chars]";
    }
}
