/**
 * Telemetry publishes: validated, written to the telemetry log, acknowledged only once written. The log is the
 * {@link io.tocsin.ingest.telemetry.TelemetryWriter} interface, Kafka in production
 * ({@link io.tocsin.ingest.telemetry.KafkaTelemetryWriter}).
 */
package io.tocsin.ingest.telemetry;
