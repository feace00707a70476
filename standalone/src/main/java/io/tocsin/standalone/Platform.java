package io.tocsin.standalone;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.alarms.AlarmFanout;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.cluster.KafkaClientMessageRelay;
import io.tocsin.ingest.coap.CoapSettings;
import io.tocsin.ingest.console.ConsoleServer;
import io.tocsin.ingest.console.ConsoleSettings;
import io.tocsin.ingest.console.KafkaAlarmCommandSender;
import io.tocsin.ingest.console.KafkaConsoleFeed;
import io.tocsin.ingest.notify.WebhookAlarmConsumer;
import io.tocsin.ingest.notify.WebhookNotifier;
import io.tocsin.ingest.notify.WebhookSettings;
import io.tocsin.ingest.notify.WebhooksFile;
import io.tocsin.ingest.status.GatewaysLostInACrash;
import io.tocsin.ingest.status.KafkaDeviceStatusWriter;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import io.tocsin.jobs.alarms.AlarmJob;
import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.jobs.timeseries.TimeSeriesJob;
import io.tocsin.standalone.flink.EmbeddedFlinkCluster;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import io.tocsin.standalone.timeseries.HistoryBacklog;
import io.tocsin.standalone.timeseries.StoreSql;
import io.tocsin.standalone.timeseries.TimeSeriesPath;
import io.tocsin.standalone.timeseries.TimeSeriesProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole Tocsin platform on one machine, on real engines: a single-node KRaft Kafka broker, the alarm job on a
 * Flink MiniCluster, the ingest MQTT server with its alarm fan-out, and the history side (the time-series store,
 * QuestDB speaking the InfluxDB v2 write API, and the time-series job): by default in a child process at a lower
 * CPU priority ({@link TimeSeriesPlacement}), everything else in this JVM. The demo and the end-to-end tests start
 * exactly this, so what the tests prove is what the demo runs.
 */
public final class Platform implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Platform.class);

    /**
     * The rule file shipped with alarm-rules ({@code rules/default-rules.yaml}). For the demo's gas detectors
     * ({@code gas-*}) it holds the first-level combustible gas alarm {@code gas-high-1}: GB/T 50493-2019
     * requires the first-level set point at no more than 25 %LEL, severity ORANGE; plus the second level at
     * 50 %LEL (RED), a fault alarm (bad quality, out of the 0–100 %LEL span) and a silence alarm after 60 s.
     */
    public static final RuleFileText DEMO_RULES = RuleFileText.shippedDefault();

    /** Where and how the platform runs. */
    public record Settings(Path dataDir, Ports ports, Topics topics, int partitions, Duration kafkaDeliveryTimeout,
                           Duration checkpointInterval, RuleFileText rules, RegistryFileText registry,
                           Path webhooks, CredentialRegistry consoleCredentials, TimeSeriesPlacement timeSeries) {

        /**
         * The demo's defaults: the standard MQTT and CoAP ports, operations HTTP on 9090, Kafka anywhere, the
         * shipped rules and the demo's site registry.
         */
        public static Settings defaults(Path dataDir) {
            return builder(dataDir).build();
        }

        /** The {@link #defaults demo's defaults}, to change some of them: {@code builder(dir).ports(...).build()}. */
        public static Builder builder(Path dataDir) {
            return new Builder(dataDir);
        }

        /** These settings, to change some of them. */
        public Builder toBuilder() {
            return new Builder(this);
        }

        public Settings withPorts(Ports ports) {
            return toBuilder().ports(ports).build();
        }

        /** The stations (and control room) that may log in to the station console; null lets anyone in. */
        public Settings withConsoleCredentials(CredentialRegistry consoleCredentials) {
            return toBuilder().consoleCredentials(consoleCredentials).build();
        }

        /**
         * Alarm notifications to the stations' webhooks as configured in {@code webhooksFile} (sample:
         * {@code deploy/webhooks.example.yaml}); null for none. State (dead letters) defaults to
         * {@code <dataDir>/webhooks}.
         */
        public Settings withWebhooks(Path webhooksFile) {
            return toBuilder().webhooks(webhooksFile).build();
        }

        /** Settings one at a time; each setter's meaning is that of the {@link Settings} component it names. */
        public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);

        public static final class Builder {
            private final Path dataDir;
            private Ports ports;
            private Topics topics;
            private int partitions;
            private Duration kafkaDeliveryTimeout;
            private Duration checkpointInterval;
            private RuleFileText rules;
            private RegistryFileText registry;
            private Path webhooks;
            private CredentialRegistry consoleCredentials;
            private TimeSeriesPlacement timeSeries;

            private Builder(Path dataDir) {
                this.dataDir = dataDir;
                this.ports = Ports.standard();
                this.topics = Topics.standard();
                this.partitions = 4;
                this.kafkaDeliveryTimeout = Duration.ofSeconds(30);
                // A checkpoint writes every sensor's whole state (heap backend, full snapshots): every 5 s that was
                // a fifth of the machine's CPU at 50,000 readings/s on 2 cores (JFR). 30 s costs a sixth of that;
                // the price is up to 30 s of telemetry replayed after a crash (at least once, stable alarm ids).
                this.checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;
                this.rules = DEMO_RULES;
                this.registry = RegistryFileText.shippedDemo();
                this.timeSeries = TimeSeriesPlacement.OWN_PROCESS;
            }

            private Builder(Settings settings) {
                this.dataDir = settings.dataDir();
                this.ports = settings.ports();
                this.topics = settings.topics();
                this.partitions = settings.partitions();
                this.kafkaDeliveryTimeout = settings.kafkaDeliveryTimeout();
                this.checkpointInterval = settings.checkpointInterval();
                this.rules = settings.rules();
                this.registry = settings.registry();
                this.webhooks = settings.webhooks();
                this.consoleCredentials = settings.consoleCredentials();
                this.timeSeries = settings.timeSeries();
            }

            public Builder ports(Ports ports) {
                this.ports = ports;
                return this;
            }

            public Builder topics(Topics topics) {
                this.topics = topics;
                return this;
            }

            public Builder partitions(int partitions) {
                this.partitions = partitions;
                return this;
            }

            public Builder kafkaDeliveryTimeout(Duration kafkaDeliveryTimeout) {
                this.kafkaDeliveryTimeout = kafkaDeliveryTimeout;
                return this;
            }

            public Builder checkpointInterval(Duration checkpointInterval) {
                this.checkpointInterval = checkpointInterval;
                return this;
            }

            public Builder rules(RuleFileText rules) {
                this.rules = rules;
                return this;
            }

            public Builder registry(RegistryFileText registry) {
                this.registry = registry;
                return this;
            }

            /** See {@link Settings#withWebhooks}; null for none. */
            public Builder webhooks(Path webhooksFile) {
                this.webhooks = webhooksFile;
                return this;
            }

            /** See {@link Settings#withConsoleCredentials}; null lets anyone in. */
            public Builder consoleCredentials(CredentialRegistry consoleCredentials) {
                this.consoleCredentials = consoleCredentials;
                return this;
            }

            /** Where the time-series store and job run; see {@link TimeSeriesPlacement}. */
            public Builder timeSeries(TimeSeriesPlacement placement) {
                this.timeSeries = placement;
                return this;
            }

            public Settings build() {
                return new Settings(dataDir, ports, topics, partitions, kafkaDeliveryTimeout, checkpointInterval,
                        rules, registry, webhooks, consoleCredentials, timeSeries);
            }
        }
    }

    /** Where the history side (the time-series store and the time-series job) runs. */
    public enum TimeSeriesPlacement {
        /**
         * In a child process at a lower CPU priority ({@link TimeSeriesProcess}), the default: under overload
         * history lags and alarms do not.
         */
        OWN_PROCESS,
        /** In the platform's JVM (one process; history competes with alarms for the CPU). */
        IN_PROCESS
    }

    /** Listening ports; 0 picks a free one (tests), -1 for CoAP or the station console turns it off. */
    public record Ports(int mqtt, int coap, int http, int kafka, int console) {

        /** With the station console on its standard port, 8080. */
        public Ports(int mqtt, int coap, int http, int kafka) {
            this(mqtt, coap, http, kafka, ConsoleSettings.DEFAULT_PORT);
        }

        public static Ports standard() {
            return new Ports(1883, CoapSettings.DEFAULT_PORT, 9090, 0, ConsoleSettings.DEFAULT_PORT);
        }

        public static Ports ephemeral() {
            return new Ports(0, 0, 0, 0, 0);
        }
    }

    /** Kafka topics between the parts. */
    public record Topics(String telemetry, String alarms, String status, String commands, String commandResults,
                         String registry, String clientMessages, String retainedMessages) {

        public static Topics standard() {
            KafkaClientMessageRelay.Topics relay = KafkaClientMessageRelay.Topics.standard();
            return new Topics(KafkaEndpoints.DEFAULT_TELEMETRY_TOPIC, KafkaEndpoints.DEFAULT_ALARMS_TOPIC, "status",
                    KafkaEndpoints.DEFAULT_COMMANDS_TOPIC, KafkaEndpoints.DEFAULT_COMMAND_RESULTS_TOPIC,
                    KafkaEndpoints.DEFAULT_REGISTRY_TOPIC, relay.messages(), relay.retained());
        }

        /** The topics through which ingest nodes hand each other their clients' messages. */
        public KafkaClientMessageRelay.Topics relay() {
            return new KafkaClientMessageRelay.Topics(clientMessages, retainedMessages);
        }
    }

    private final Settings settings;
    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private EmbeddedKafkaBroker kafka;
    private String timeSeriesUrl;
    private IngestServer ingest;
    private ConsoleServer console;

    private Platform(Settings settings) {
        this.settings = settings;
    }

    /** Starts every part, in dependency order; if one fails, what was started is stopped again. */
    public static Platform start(Settings settings) throws Exception {
        Platform platform = new Platform(settings);
        try {
            platform.startParts();
            return platform;
        } catch (Exception e) {
            platform.close();
            throw e;
        }
    }

    private void startParts() throws Exception {
        // Checked before anything starts: a broken webhooks file fails the start at once, naming file, key and fix.
        WebhookSettings webhooks = settings.webhooks() == null ? null
                : WebhooksFile.load(settings.webhooks(), settings.dataDir().resolve("webhooks"));
        kafka = new EmbeddedKafkaBroker(settings.dataDir().resolve("kafka"), settings.ports().kafka(), 0).start();
        running.push(kafka);
        Topics topics = settings.topics();
        kafka.createTopics(Map.of(topics.telemetry(), settings.partitions(),
                topics.alarms(), settings.partitions(),
                topics.status(), settings.partitions(),
                topics.commands(), settings.partitions(),
                topics.commandResults(), settings.partitions()));
        kafka.createCompactedTopics(Map.of(topics.registry(), 1, topics.retainedMessages(), settings.partitions()));
        kafka.createTopics(Map.of(topics.clientMessages(), settings.partitions()),
                KafkaClientMessageRelay.MESSAGES_TOPIC_CONFIG);

        String bootstrap = kafka.bootstrapServers();
        TimeSeriesPath.Settings history = new TimeSeriesPath.Settings(bootstrap, topics.telemetry(), topics.alarms(),
                settings.dataDir().resolve("timeseries"), 0,
                settings.dataDir().resolve("flink-checkpoints").resolve("time-series"), settings.checkpointInterval());
        TimeSeriesProcess historyProcess = null;
        if (settings.timeSeries() == TimeSeriesPlacement.OWN_PROCESS) {
            historyProcess = TimeSeriesProcess.start(history); // starts while the rest of the platform does
            running.push(historyProcess);
        } else {
            TimeSeriesPath path = TimeSeriesPath.start(history);
            running.push(path);
            timeSeriesUrl = path.url();
        }

        running.push(new HistoryBacklog(bootstrap, topics.telemetry(), TimeSeriesJob.DEFAULT_GROUP_ID, meters).start());

        EmbeddedFlinkCluster flink = EmbeddedFlinkCluster.start(1);
        running.push(flink);
        flink.submit(AlarmJob.JOB_NAME,
                jobConfiguration(AlarmJob.recommendedConfiguration(settings.checkpointInterval()), "alarms"),
                env -> new AlarmJob(
                KafkaEndpoints.telemetrySource(bootstrap, topics.telemetry(), KafkaEndpoints.DEFAULT_GROUP_ID),
                KafkaEndpoints.commandSource(bootstrap, topics.commands(), KafkaEndpoints.DEFAULT_GROUP_ID),
                KafkaEndpoints.registrySource(bootstrap, topics.registry(), KafkaEndpoints.DEFAULT_GROUP_ID),
                KafkaEndpoints.statusSource(bootstrap, topics.status(), KafkaEndpoints.DEFAULT_GROUP_ID),
                KafkaEndpoints.alarmSink(bootstrap, topics.alarms()),
                KafkaEndpoints.commandResultSink(bootstrap, topics.commandResults()),
                AlarmJob.Options.of(settings.rules()).withRegistry(settings.registry()))
                .buildPipeline(env));
        log.info("Alarm job runs rules {} for the sites of {}", settings.rules().name(), settings.registry().name());

        KafkaTelemetryWriter telemetryWriter = new KafkaTelemetryWriter(kafka.bootstrapServers(),
                settings.topics().telemetry(), settings.kafkaDeliveryTimeout(), Map.of());
        running.push(telemetryWriter);
        KafkaDeviceStatusWriter statusWriter = new KafkaDeviceStatusWriter(kafka.bootstrapServers(),
                settings.topics().status(), meters);
        running.push(statusWriter);
        Ports ports = settings.ports();
        IngestServer.Builder ingestBuilder = IngestServer.builder(IngestConfig.defaults().withPort(ports.mqtt()),
                        telemetryWriter, meters)
                .deviceStatus(statusWriter)
                .http("0.0.0.0", ports.http());
        if (ports.coap() != CoapSettings.DISABLED) {
            // Plain CoAP only: DTLS needs the credential registry, which the demo does not configure yet.
            ingestBuilder.coap(CoapSettings.defaults().withPorts(ports.coap(), CoapSettings.DISABLED));
        }
        // One node here, but the same code path as a city's several: retained messages survive a restart.
        KafkaClientMessageRelay relay = new KafkaClientMessageRelay(kafka.bootstrapServers(), topics.relay(),
                settings.kafkaDeliveryTimeout(), meters);
        running.push(relay);
        IngestServer server = ingestBuilder.otherNodes(relay).build();
        relay.start(server.subscriptions(), server.retainedMessages()).awaitRetainedLoaded(Duration.ofSeconds(30));
        ingest = server.start();
        running.push(ingest);
        running.push(GatewaysLostInACrash.onKafka(kafka.bootstrapServers(), topics.status(), ingest.serverId(),
                GatewaysLostInACrash.DEFAULT_GRACE, clientId -> ingest.clients().find(clientId).isPresent(),
                statusWriter, meters).start());

        running.push(new AlarmFanout(kafka.bootstrapServers(), settings.topics().alarms(), "tocsin-ingest-fanout",
                ingest.subscriptions(), ingest.currentMessages(), meters).start());
        if (ports.console() != -1) {
            startConsole(kafka.bootstrapServers(), topics);
        }

        if (webhooks != null) {
            WebhookNotifier notifier = new WebhookNotifier(webhooks, meters);
            running.push(notifier);
            running.push(new WebhookAlarmConsumer(kafka.bootstrapServers(), settings.topics().alarms(), notifier,
                    meters).start());
            log.info("Webhooks of {} stations from {}", webhooks.targets().size(), settings.webhooks());
        }
        if (historyProcess != null) {
            timeSeriesUrl = historyProcess.awaitUrl();
        }
    }

    /**
     * The station console: its own Kafka feed (alarms from the beginning, so that it has every active alarm),
     * commands to the alarm job, site names from the site registry.
     */
    private void startConsole(String bootstrap, Topics topics) {
        KafkaAlarmCommandSender commandSender = new KafkaAlarmCommandSender(bootstrap, topics.commands());
        running.push(commandSender);
        java.util.Map<String, String> siteNames = new java.util.HashMap<>();
        settings.registry().load().sites().forEach(site -> {
            if (site.name() != null && !site.name().isBlank()) {
                siteNames.put(site.siteId(), site.name());
            }
        });
        console = ConsoleServer.builder(ConsoleSettings.defaults().withBind("0.0.0.0", settings.ports().console())
                                .withSiteNames(siteNames), commandSender, meters)
                .credentials(settings.consoleCredentials()).build().start();
        running.push(console);
        running.push(new KafkaConsoleFeed(bootstrap, new KafkaConsoleFeed.Topics(topics.alarms(),
                topics.commandResults(), topics.status(), topics.telemetry()), console, meters).start());
    }

    /** Checkpoints of each job in a folder of its own under the data directory. */
    private Configuration jobConfiguration(Configuration conf, String checkpointFolder) {
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                settings.dataDir().resolve("flink-checkpoints").resolve(checkpointFolder).toUri().toString());
        return conf;
    }

    /** {@code http://127.0.0.1:port} serving {@code /health} and {@code /metrics}. */
    public String operationsUrl() {
        return "http://127.0.0.1:" + ingest.httpPort();
    }

    /** The station console's address, e.g. {@code http://127.0.0.1:8080/}; null when it is turned off. */
    public String consoleUrl() {
        return console == null ? null : console.url();
    }

    /** The station console (tests stop and start it); null when it is turned off. */
    public ConsoleServer console() {
        return console;
    }

    /** {@code tcp://127.0.0.1:port} of the MQTT server. */
    public String mqttUri() {
        return "tcp://127.0.0.1:" + ingest.port();
    }

    public EmbeddedKafkaBroker kafka() {
        return kafka;
    }

    /** Base URL of the time-series store: InfluxDB v2 write API and SQL at {@code /exec} ({@link StoreSql}). */
    public String timeSeriesUrl() {
        return timeSeriesUrl;
    }

    public MeterRegistry meters() {
        return meters;
    }

    /** Stops every part in the reverse order of starting; a part that fails to stop does not keep the rest up. */
    @Override
    public void close() {
        while (!running.isEmpty()) {
            AutoCloseable part = running.pop();
            try {
                part.close();
            } catch (Exception e) {
                log.warn("Stopping {} failed: {}", part, e.toString());
            }
        }
    }
}
