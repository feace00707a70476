package io.tocsin.ingest.pubsub;

import java.util.Objects;

/**
 * An MQTT topic filter (MQTT 4.7): levels separated by '/', where '+' stands for exactly one level and '#', last
 * and alone in its level, for any number of levels including none ("a/#" matches "a" too).
 *
 * <p>Topics starting with '$' are not matched by a filter starting with a wildcard (MQTT 4.7.2): "#" does not
 * see "$SYS/x", "$SYS/#" does.
 */
public final class TopicFilter {

    private static final String SINGLE_LEVEL = "+";
    private static final String MULTI_LEVEL = "#";

    private final String filter;
    private final String[] levels;

    private TopicFilter(String filter) {
        this.filter = filter;
        this.levels = levels(filter);
    }

    /** Parses a filter, throwing {@link IllegalArgumentException} when {@link #isValid} says it is not one. */
    public static TopicFilter parse(String filter) {
        if (!isValid(filter)) {
            throw new IllegalArgumentException("invalid MQTT topic filter: '" + filter + "'");
        }
        return new TopicFilter(filter);
    }

    /**
     * Whether a string is a valid topic filter: non-empty, no U+0000, '#' only as the whole last level, '+' only
     * as a whole level.
     */
    public static boolean isValid(String filter) {
        if (filter == null || filter.isEmpty() || filter.indexOf('\u0000') >= 0) {
            return false;
        }
        String[] levels = levels(filter);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.indexOf('#') >= 0 && (!level.equals(MULTI_LEVEL) || i != levels.length - 1)) {
                return false;
            }
            if (level.indexOf('+') >= 0 && !level.equals(SINGLE_LEVEL)) {
                return false;
            }
        }
        return true;
    }

    /** Whether a string can be the topic of a PUBLISH: non-empty, no wildcard, no U+0000 (MQTT 4.7.3). */
    public static boolean isValidTopicName(String topic) {
        return topic != null && !topic.isEmpty()
                && topic.indexOf('+') < 0 && topic.indexOf('#') < 0 && topic.indexOf('\u0000') < 0;
    }

    /** A topic split into its levels, the form {@link #matches(String[])} takes: split once, match many. */
    public static String[] levels(String topic) {
        return topic.split("/", -1);
    }

    public boolean matches(String topic) {
        return matches(levels(topic));
    }

    /** Whether a topic, already split by {@link #levels}, is matched by this filter. */
    public boolean matches(String[] topicLevels) {
        if (topicLevels[0].startsWith("$") && (levels[0].equals(SINGLE_LEVEL) || levels[0].equals(MULTI_LEVEL))) {
            return false;
        }
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.equals(MULTI_LEVEL)) {
                return true;
            }
            if (i >= topicLevels.length) {
                return false;
            }
            if (!level.equals(SINGLE_LEVEL) && !level.equals(topicLevels[i])) {
                return false;
            }
        }
        return levels.length == topicLevels.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TopicFilter that && filter.equals(that.filter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(filter);
    }

    @Override
    public String toString() {
        return filter;
    }
}
