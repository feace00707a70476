/**
 * Several ingest nodes behind one load balancer: what one node must hand the others so that a client sees the same
 * MQTT server whichever node it lands on ({@link io.tocsin.ingest.cluster.KafkaClientMessageRelay}: messages
 * between clients and retained messages, through Kafka). Alarms need nothing here: every node's fan-out reads the
 * alarms topic itself.
 */
package io.tocsin.ingest.cluster;
