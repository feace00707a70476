/** Alarm events from the Kafka alarms topic to the MQTT clients of the fire stations. */
package io.tocsin.ingest.alarms;
