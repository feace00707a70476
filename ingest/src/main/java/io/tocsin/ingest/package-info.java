/**
 * The Tocsin ingest server: an MQTT server (Netty) that takes telemetry batches from edge devices into the
 * telemetry log (Kafka) and carries alarms out to fire stations.
 *
 * <p>Start at {@link io.tocsin.ingest.IngestServer}; the pipeline of a connection, handler by handler, is described
 * in {@code IngestChannelInitializer}. Features live in sub-packages:
 * <ul>
 *   <li>{@code mqtt} - the protocol itself: version check, CONNECT, keep alive, ping, disconnect, malformed and
 *       unexpected packets, ordered PUBACKs and back pressure;</li>
 *   <li>{@code telemetry} - telemetry publishes and the Kafka telemetry log;</li>
 *   <li>{@code pubsub} - subscriptions, topic filters, delivery to subscribers;</li>
 *   <li>{@code alarms} - alarms from Kafka to the subscribed stations.</li>
 * </ul>
 */
package io.tocsin.ingest;
