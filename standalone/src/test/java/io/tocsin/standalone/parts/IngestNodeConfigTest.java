package io.tocsin.standalone.parts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.ingest.cluster.KafkaClientMessageRelay;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The file of {@code tocsin ingest}: its own sections, the ingest server's sections, and errors that say where. */
class IngestNodeConfigTest {

    private static IngestNodeConfig parse(String yaml) {
        return IngestNodeConfig.parse(yaml, "ingest.yaml", Path.of("."));
    }

    @Test
    void readsKafkaAndNodeAndLeavesTheRestToTheIngestParser() {
        IngestNodeConfig config = parse("""
                # a node of a multi-process deployment
                node: ingest-2
                kafka:
                  bootstrap: 10.0.0.5:9092,10.0.0.6:9092
                  deliveryTimeoutSeconds: 12
                  topics:
                    alarms: alarms-eu
                    retainedMessages: retained-eu
                mqtt:
                  port: 11883
                http:
                  port: 19090
                """);
        assertThat(config.node()).isEqualTo("ingest-2");
        assertThat(config.fanoutGroup()).isEqualTo("tocsin-ingest-fanout-ingest-2");
        assertThat(config.bootstrap()).isEqualTo("10.0.0.5:9092,10.0.0.6:9092");
        assertThat(config.deliveryTimeout()).isEqualTo(Duration.ofSeconds(12));
        assertThat(config.telemetryTopic()).isEqualTo("telemetry");
        assertThat(config.alarmsTopic()).isEqualTo("alarms-eu");
        assertThat(config.relayTopics()).isEqualTo(new KafkaClientMessageRelay.Topics("client-messages", "retained-eu"));
        assertThat(config.ingest().mqtt().port()).isEqualTo(11883);
        assertThat(config.ingest().httpPort()).isEqualTo(19090);
    }

    @Test
    void errorsNameTheFileTheLineTheKeyAndTheFix() {
        assertThatThrownBy(() -> parse("mqtt:\n  port: 1883\n"))
                .hasMessageContaining("ingest.yaml").hasMessageContaining("kafka").hasMessageContaining("fix: add 'kafka:'");
        assertThatThrownBy(() -> parse("kafka:\n  bootstrap: localhost\n"))
                .hasMessageContaining("ingest.yaml, line 2: kafka.bootstrap: must be host:port")
                .hasMessageContaining("fix: e.g. 'bootstrap: 127.0.0.1:9092'");
        assertThatThrownBy(() -> parse("kafka:\n  bootstrap: h:1\n  topic: x\n"))
                .hasMessageContaining("line 3: kafka.topic: unknown key");
        assertThatThrownBy(() -> parse("node: a b\nkafka:\n  bootstrap: h:1\n"))
                .hasMessageContaining("line 1: node: must be a name");
    }

    @Test
    void anIngestErrorAfterTheHiddenSectionsStillPointsAtItsOwnLine() {
        assertThatThrownBy(() -> parse("node: n1\nkafka:\n  bootstrap: h:1\n  topics:\n    status: s\nmqtt:\n  prot: 1\n"))
                .hasMessageContaining("ingest.yaml").hasMessageContaining("line 7").hasMessageContaining("mqtt.prot");
    }
}
