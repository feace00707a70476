package io.tocsin.ingest.pubsub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicFilterTest {

    @ParameterizedTest
    @ValueSource(strings = {"#", "+", "a", "a/b", "a/+/c", "a/#", "+/+", "/+", "+/", "a//b", "$SYS/#", "/", "+/#"})
    void validFilters(String filter) {
        assertThat(TopicFilter.isValid(filter)).isTrue();
        assertThat(TopicFilter.parse(filter)).hasToString(filter);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/#/b", "a#", "#/a", "a/b#", "a+", "+a/b", "a/+b", "##", "a/\u0000"})
    void invalidFilters(String filter) {
        assertThat(TopicFilter.isValid(filter)).isFalse();
        assertThatThrownBy(() -> TopicFilter.parse(filter)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nullIsNotAFilter() {
        assertThat(TopicFilter.isValid(null)).isFalse();
    }

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource({
        // exact
        "a/b,               a/b,              true",
        "a/b,               a/c,              false",
        "a/b,               a/b/c,            false",
        "a/b,               a,                false",
        // single level
        "sport/tennis/+,    sport/tennis/p1,  true",
        "sport/tennis/+,    sport/tennis/p1/r, false",
        "sport/tennis/+,    sport/tennis,     false",
        "sport/+,           sport/,           true",
        "+/+,               /finance,         true",
        "/+,                /finance,         true",
        "+,                 /finance,         false",
        "+,                 finance,          true",
        "a/+/c,             a//c,             true",
        // multi level, including the parent level
        "sport/tennis/#,    sport/tennis,     true",
        "sport/tennis/#,    sport/tennis/p1,  true",
        "sport/tennis/#,    sport/tennis/p1/r/s, true",
        "sport/tennis/#,    sport/tenniss,    false",
        "sport/#,           sport,            true",
        "#,                 a/b/c,            true",
        "#,                 /,                true",
        "+/#,               a,                true",
        // '$' topics are not matched by a leading wildcard
        "#,                 $SYS/monitor,     false",
        "+/monitor,         $SYS/monitor,     false",
        "$SYS/#,            $SYS/monitor,     true",
        "$SYS/monitor/+,    $SYS/monitor/clients, true",
        "a/#,               a/$b,             true",
        // case sensitive
        "ACCOUNTS,          Accounts,         false",
    })
    void matching(String filter, String topic, boolean expected) {
        assertThat(TopicFilter.parse(filter).matches(topic)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/+", "a/#", "#", "a\u0000"})
    void invalidTopicNames(String topic) {
        assertThat(TopicFilter.isValidTopicName(topic)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "/", "a/b", "$SYS/x", "tocsin/v1/alarms/park-north"})
    void validTopicNames(String topic) {
        assertThat(TopicFilter.isValidTopicName(topic)).isTrue();
    }
}
