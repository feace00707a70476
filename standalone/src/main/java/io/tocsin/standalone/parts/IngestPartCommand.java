package io.tocsin.standalone.parts;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.alarms.AlarmFanout;
import io.tocsin.ingest.cluster.KafkaClientMessageRelay;
import io.tocsin.ingest.status.DeviceStatusEvents;
import io.tocsin.ingest.status.GatewaysLostInACrash;
import io.tocsin.ingest.status.KafkaDeviceStatusWriter;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tocsin ingest --config ingest.yaml}: the ingest server alone (MQTT, optional TLS/CoAP, /health and
 * /metrics) against an external Kafka, with its alarm fan-out. See {@link IngestNodeConfig} for the file.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Run the ingest server (MQTT/CoAP to Kafka, alarms fanned out to stations) against a Kafka cluster.")
public final class IngestPartCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(IngestPartCommand.class);

    @Option(names = "--config", required = true,
            description = "The ingest YAML (ingest/examples/ingest.yaml) with a 'kafka:' section and optional 'node:'.")
    Path config;

    @Override
    public Integer call() throws Exception {
        IngestNodeConfig settings = IngestNodeConfig.load(config); // throws before anything starts
        PartLifecycle lifecycle = new PartLifecycle("ingest");
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (KafkaTelemetryWriter telemetry = new KafkaTelemetryWriter(settings.bootstrap(),
                     settings.telemetryTopic(), settings.deliveryTimeout(), Map.of());
             KafkaDeviceStatusWriter status = new KafkaDeviceStatusWriter(settings.bootstrap(),
                     settings.statusTopic(), meters);
             KafkaClientMessageRelay relay = new KafkaClientMessageRelay(settings.bootstrap(),
                     settings.relayTopics(), settings.deliveryTimeout(), meters);
             IngestServer server = started(settings.ingest().builder(telemetry, meters).deviceStatus(status)
                     // The node name too: two ingest nodes on one host must not look like one server.
                     .serverId(DeviceStatusEvents.localServerId() + "/" + settings.node())
                     .otherNodes(relay).build(), relay);
             AlarmFanout fanout = new AlarmFanout(settings.bootstrap(), settings.alarmsTopic(),
                     settings.fanoutGroup(), server.subscriptions(), server.currentMessages(), meters).start();
             GatewaysLostInACrash lostInACrash = GatewaysLostInACrash.onKafka(settings.bootstrap(),
                     settings.statusTopic(), server.serverId(), GatewaysLostInACrash.DEFAULT_GRACE,
                     clientId -> server.clients().find(clientId).isPresent(), status, meters).start()) {
            log.info("Ingest node {} serves MQTT on {} (Kafka {}, alarms fanned out in group {})", settings.node(),
                    server.port(), settings.bootstrap(), settings.fanoutGroup());
            PartLifecycle.announceReady("ingest", "node=" + settings.node() + " mqtt=" + server.port()
                    + (settings.ingest().httpBindHost() == null ? "" : " http=" + server.httpPort()));
            lifecycle.awaitStopRequest();
        } finally {
            lifecycle.stopped();
        }
        return 0;
    }

    /** Starts the server once the relay has loaded the retained messages, so its first clients find them. */
    private static IngestServer started(IngestServer server, KafkaClientMessageRelay relay)
            throws InterruptedException {
        relay.start(server.subscriptions(), server.retainedMessages()).awaitRetainedLoaded(Duration.ofSeconds(30));
        return server.start();
    }
}
