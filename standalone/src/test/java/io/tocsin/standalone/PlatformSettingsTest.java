package io.tocsin.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.jobs.registry.RegistryFileText;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Platform.Settings' builder: the demo's defaults, and changing some settings keeps all the others. */
class PlatformSettingsTest {

    private static final Path DATA = Path.of("data", "demo");

    @Test
    void theBuilderStartsFromTheDemosDefaults() {
        Platform.Settings settings = Platform.Settings.builder(DATA).build();

        assertThat(settings).isEqualTo(Platform.Settings.defaults(DATA));
        assertThat(settings.dataDir()).isEqualTo(DATA);
        assertThat(settings.ports()).isEqualTo(Platform.Ports.standard());
        assertThat(settings.topics()).isEqualTo(Platform.Topics.standard());
        assertThat(settings.partitions()).isEqualTo(4);
        assertThat(settings.kafkaDeliveryTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.checkpointInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.rules()).isEqualTo(Platform.DEMO_RULES);
        assertThat(settings.registry()).isEqualTo(RegistryFileText.shippedDemo());
        assertThat(settings.webhooks()).isNull();
        assertThat(settings.consoleCredentials()).isNull();
        assertThat(settings.timeSeries()).isEqualTo(Platform.TimeSeriesPlacement.OWN_PROCESS);
    }

    @Test
    void changingSomeSettingsKeepsTheOthers() {
        Path webhooks = Path.of("conf", "webhooks.yaml");
        Platform.Settings before = Platform.Settings.builder(DATA).partitions(2).webhooks(webhooks).build();
        RegistryFileText registry = new RegistryFileText("test registry", "sites: {}\n");

        Platform.Settings after = before.toBuilder().ports(Platform.Ports.ephemeral()).registry(registry)
                .checkpointInterval(Duration.ofSeconds(1)).build();

        assertThat(after).isEqualTo(new Platform.Settings(DATA, Platform.Ports.ephemeral(), before.topics(), 2,
                before.kafkaDeliveryTimeout(), Duration.ofSeconds(1), before.rules(), registry, webhooks, null,
                Platform.TimeSeriesPlacement.OWN_PROCESS));
        assertThat(before.toBuilder().build()).isEqualTo(before);
        assertThat(before.withPorts(Platform.Ports.ephemeral()))
                .isEqualTo(new Platform.Settings(DATA, Platform.Ports.ephemeral(), before.topics(), 2,
                        before.kafkaDeliveryTimeout(), before.checkpointInterval(), before.rules(), before.registry(),
                        webhooks, null, Platform.TimeSeriesPlacement.OWN_PROCESS));
        assertThat(before.withWebhooks(null).webhooks()).isNull();
        assertThat(before.toBuilder().timeSeries(Platform.TimeSeriesPlacement.IN_PROCESS).build().timeSeries())
                .isEqualTo(Platform.TimeSeriesPlacement.IN_PROCESS);
    }
}
