/**
 * MQTT 3.1.1 and 5 protocol handling shared by every feature: who the client is ({@link
 * io.tocsin.ingest.mqtt.ConnectedClient}), the handshake, keep alive, protocol errors, and the per-connection queue
 * that keeps PUBACKs in order and applies back pressure ({@link io.tocsin.ingest.mqtt.InFlightPublishes}).
 */
package io.tocsin.ingest.mqtt;
