package io.tocsin.ingest.notify;

import io.tocsin.proto.v1.AlarmEvent;

/**
 * One alarm event for one station: alarm id + raise time + state + escalation level identify an event (a replay
 * repeats all four), the station says who it is for. Two records with the same key are the same notification.
 *
 * <p>Why the raise time (the event time of the reading that raised the activation): the alarm id's activation
 * number is counted in the alarm job's state, so a job that lost its state (an upgrade whose state does not
 * restore, lost checkpoints) numbers activations from 1 again and repeats ids. A repeated id of a new activation
 * has a new raise time, so it is not taken for a notification already delivered; a replay has the same one.
 */
public record DeliveryKey(String stationId, String alarmId, long raisedAtMs, String state, int escalationLevel) {

    public static DeliveryKey of(String stationId, AlarmEvent event) {
        return new DeliveryKey(stationId, event.getAlarmId(), event.getRaisedAtMs(), event.getState().name(),
                event.getEscalationLevel());
    }

    /** One line, as stored and as sent in the {@value WebhookSignature#DELIVERY_ID_HEADER} header. */
    public String asString() {
        return clean(stationId) + "|" + clean(alarmId) + "|" + raisedAtMs + "|" + clean(state) + "|"
                + escalationLevel;
    }

    /**
     * {@link #asString()} made safe for an HTTP header: bytes outside printable ASCII (and {@code %}) are
     * %-encoded as UTF-8, so a site id in Chinese still yields a valid header.
     */
    public String asHeaderValue() {
        StringBuilder out = new StringBuilder();
        for (byte b : asString().getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    // Ids never hold line breaks in practice; a key must stay one line in the delivered-keys file and in a header.
    private static String clean(String s) {
        return s.replace('\n', ' ').replace('\r', ' ').replace('|', '/');
    }
}
