package io.tocsin.standalone.cluster;

/**
 * An alarm transition that acknowledged readings imply: the alarm id {@code site/sensor/rule/activation}, the
 * state the station must see, and when the device published the reading that crossed the limit.
 */
record ExpectedTransition(String alarmId, String state, long crossingPublishedMs) {

    String key() {
        return StationConsole.transitionKey(alarmId, state);
    }
}
