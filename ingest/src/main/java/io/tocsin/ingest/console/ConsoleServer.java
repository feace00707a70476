package io.tocsin.ingest.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tocsin.ingest.auth.Authenticator;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.proto.v1.AlarmCommandRequest;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.CommandType;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.TelemetryBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fire-station alarm console and the control-room live view: a web page served over HTTP, kept live over a
 * WebSocket ({@code /ws}).
 *
 * <p>A station logs in with its credentials from the {@link CredentialRegistry} and sees only the alarms of the
 * sites it covers, plus those the alarm job routed to it by name (escalations from neighbours); the control room
 * sees every site. The server keeps the active-alarm list ({@link ActiveAlarms}) from the {@link ConsoleFeed}
 * (the alarms topic, whose history is read from its beginning at start-up, beside the new events, so that a
 * restarted server has the whole list and still shows a new alarm at once), sends
 * the whole visible list to a page when it connects and every change afterwards. Acknowledge and shelve go to the
 * alarm job through an {@link AlarmCommandSender}; the page shows the new state only when the job's alarm event
 * comes back.
 *
 * <p>Everything runs on one event loop of its own, so the console never competes with the MQTT server's loops,
 * and the alarm list needs no locks: feed calls from other threads are handed to that loop.
 *
 * <pre>{@code
 * ConsoleServer console = ConsoleServer.builder(ConsoleSettings.defaults(), commandSender, meters)
 *         .credentials(registry).build().start();
 * KafkaConsoleFeed feed = new KafkaConsoleFeed(bootstrap, KafkaConsoleFeed.Topics.standard(), console).start();
 * }</pre>
 */
public final class ConsoleServer implements ConsoleFeed, AutoCloseable {

    public static final String CONNECTED = "tocsin.console.connected";
    public static final String COMMANDS_SENT = "tocsin.console.commands.sent";
    public static final String COMMANDS_FAILED = "tocsin.console.commands.failed";
    public static final String PUSHES_DROPPED = "tocsin.console.pushes.dropped";
    public static final String LOGINS_REFUSED = "tocsin.console.logins.refused";
    public static final String READINGS_IGNORED = "tocsin.console.readings.ignored";
    public static final String ACTIVE_ALARMS = "tocsin.console.alarms.active";

    /** Longest shelve a console may ask for: a shelved alarm is a blind spot. */
    static final Duration MAX_SHELVE = Duration.ofHours(8);
    /** How often control rooms get the sensor values that changed. */
    static final Duration SENSOR_PUSH_INTERVAL = Duration.ofSeconds(1);
    private static final int PENDING_COMMANDS = 10_000;
    /** How long a restart waits for the port to be free again, and how often it tries. */
    private static final Duration REBIND_WAIT = Duration.ofSeconds(10);
    private static final Duration REBIND_RETRY = Duration.ofMillis(100);

    private static final Logger log = LoggerFactory.getLogger(ConsoleServer.class);

    /** Builds a console server. */
    public static final class Builder {
        private final ConsoleSettings settings;
        private final AlarmCommandSender commands;
        private final MeterRegistry meters;
        private CredentialRegistry credentials;
        private Clock clock = Clock.systemUTC();

        private Builder(ConsoleSettings settings, AlarmCommandSender commands, MeterRegistry meters) {
            this.settings = Objects.requireNonNull(settings, "settings");
            this.commands = Objects.requireNonNull(commands, "commands");
            this.meters = Objects.requireNonNull(meters, "meters");
        }

        /**
         * The stations allowed to log in. Without a registry anyone may log in under any name and sees every
         * site (development and demo only; logged as a warning).
         */
        public Builder credentials(CredentialRegistry credentials) {
            this.credentials = credentials;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public ConsoleServer build() {
            return new ConsoleServer(this);
        }
    }

    private record PendingCommand(String station, String alarmId) {
    }

    private final ConsoleSettings settings;
    private final AlarmCommandSender commands;
    private final Clock clock;
    private final Authenticator authenticator;
    private final ConsoleSessions sessions;
    private final StaticAssets assets = new StaticAssets();
    private final ConsoleMessages messages;
    private final EventLoopGroup group;
    private final EventLoop loop;

    // Confined to the loop.
    private final ActiveAlarms alarms = new ActiveAlarms();
    private final LiveSensorValues sensors;
    private final GatewayStatuses gateways = new GatewayStatuses();
    private final Set<ConsoleConnection> consoles = new LinkedHashSet<>();
    private final Map<String, PendingCommand> pendingCommands = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PendingCommand> eldest) {
            return size() > PENDING_COMMANDS;
        }
    };
    private boolean historyLoaded;
    private boolean feedHealthy = true;

    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger activeAlarmCount = new AtomicInteger();
    private final Counter commandsSent;
    private final Counter commandsFailed;
    private final Counter pushesDropped;
    private final Counter loginsRefused;
    private final Counter readingsIgnored;

    private final ChannelGroup openChannels;
    private Channel serverChannel;
    private int boundPort;
    private boolean stoppedOnce;
    private boolean closed;

    private ConsoleServer(Builder builder) {
        this.settings = builder.settings;
        this.commands = builder.commands;
        this.clock = builder.clock;
        this.authenticator = builder.credentials == null ? null
                : new Authenticator(builder.credentials, builder.meters);
        this.sessions = new ConsoleSessions(settings.sessionLifetime(), clock);
        this.messages = new ConsoleMessages(settings);
        this.sensors = new LiveSensorValues(settings.trendPoints(), settings.maxSensors());
        this.boundPort = settings.port();
        MeterRegistry meters = builder.meters;
        Gauge.builder(CONNECTED, connected, AtomicInteger::get).description("Console pages connected")
                .register(meters);
        Gauge.builder(ACTIVE_ALARMS, activeAlarmCount, AtomicInteger::get)
                .description("Alarms in the console's active list").register(meters);
        this.commandsSent = Counter.builder(COMMANDS_SENT).description("Commands handed to the alarm job")
                .register(meters);
        this.commandsFailed = Counter.builder(COMMANDS_FAILED)
                .description("Commands that could not be handed to the alarm job").register(meters);
        this.pushesDropped = Counter.builder(PUSHES_DROPPED)
                .description("Updates not sent to a page that did not keep up (it is re-synced)").register(meters);
        this.loginsRefused = Counter.builder(LOGINS_REFUSED).description("Console logins refused").register(meters);
        this.readingsIgnored = Counter.builder(READINGS_IGNORED)
                .description("Readings of sensors beyond the live view's bound").register(meters);
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tocsin-console"),
                NioIoHandler.newFactory());
        this.loop = group.next();
        this.openChannels = new DefaultChannelGroup("tocsin-console", loop);
        loop.scheduleAtFixedRate(this::heartbeat, settings.heartbeat().toMillis(), settings.heartbeat().toMillis(),
                TimeUnit.MILLISECONDS);
        loop.scheduleAtFixedRate(this::pushChangedSensors, SENSOR_PUSH_INTERVAL.toMillis(),
                SENSOR_PUSH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    public static Builder builder(ConsoleSettings settings, AlarmCommandSender commands, MeterRegistry meters) {
        return new Builder(settings, commands, meters);
    }

    /**
     * Starts listening; after {@link #stop()} it listens again on the port it had (pages reconnect by themselves
     * and keep their logins).
     */
    public synchronized ConsoleServer start() {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        if (authenticator == null) {
            log.warn("The console runs without a credential registry: anyone may log in under any name and sees "
                    + "every site. Give it the registry for real use.");
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        openChannels.add(channel);
                        channel.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(16 * 1024))
                                .addLast(new ConsoleWebSocketGate(ConsoleServer.this))
                                .addLast(new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                        .websocketPath(ConsoleWebSocketGate.PATH)
                                        .maxFramePayloadLength(16 * 1024)
                                        .handshakeTimeoutMillis(10_000)
                                        .build()))
                                .addLast(new ConsoleWebSocketFrames(ConsoleServer.this))
                                .addLast(new ConsoleHttpRoutes(ConsoleServer.this));
                    }
                });
        ChannelFuture bound = bootstrap.bind(settings.bindHost(), boundPort).awaitUninterruptibly();
        // Listening again after stop(): the connections it closed may still hold the port for a moment (Linux lets
        // SO_REUSEADDR rebind past TIME_WAIT, not past FIN_WAIT2, until the page's side has closed too).
        long deadline = System.nanoTime() + REBIND_WAIT.toNanos();
        while (!bound.isSuccess() && bound.cause() instanceof BindException && stoppedOnce
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(REBIND_RETRY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            bound = bootstrap.bind(settings.bindHost(), boundPort).awaitUninterruptibly();
        }
        if (!bound.isSuccess()) {
            throw new IllegalStateException("the console cannot listen on " + settings.bindHost() + ":" + boundPort,
                    bound.cause());
        }
        serverChannel = bound.channel();
        boundPort = ((java.net.InetSocketAddress) serverChannel.localAddress()).getPort();
        log.info("Station console on {}", url());
        return this;
    }

    /** Stops listening and closes every page's connection (the pages show it); the alarm list is kept. */
    public synchronized void stop() {
        if (serverChannel == null) {
            return;
        }
        serverChannel.close().awaitUninterruptibly();
        serverChannel = null;
        stoppedOnce = true;
        // Every connection, not only the consoles' WebSockets: an idle keep-alive connection would hold the port.
        openChannels.close().awaitUninterruptibly();
        log.info("Station console stopped listening");
    }

    public synchronized int port() {
        return boundPort;
    }

    /** Where a browser finds the console, e.g. {@code http://127.0.0.1:8080/}. */
    public String url() {
        String host = settings.bindHost().equals("0.0.0.0") || settings.bindHost().equals("::")
                ? "127.0.0.1" : settings.bindHost();
        return "http://" + host + ":" + port() + "/";
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        stop();
        closed = true;
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        if (authenticator != null) {
            authenticator.close();
        }
    }

    // ---- the feed: any thread, handed to the loop ----

    @Override
    public void alarm(AlarmEvent event) {
        loop.execute(() -> applyAlarm(event, false));
    }

    @Override
    public void alarmHistoryStarts() {
        loop.execute(alarms::historyStarts);
    }

    @Override
    public void historicAlarms(List<AlarmEvent> events) {
        loop.execute(() -> events.forEach(event -> applyAlarm(event, true)));
    }

    @Override
    public void alarmHistoryLoaded() {
        loop.execute(() -> {
            alarms.historyLoaded();
            historyLoaded = true;
            log.info("Console alarm history loaded: {} active alarms", alarms.size());
            consoles.forEach(this::sendAlarmList);
        });
    }

    @Override
    public void commandResult(AlarmCommandResult result) {
        loop.execute(() -> {
            PendingCommand pending = pendingCommands.remove(result.getCommandId());
            if (pending == null) {
                return; // given from another console server or tool
            }
            String text = messages.commandResult(result, pending.alarmId());
            for (ConsoleConnection console : consoles) {
                if (console.viewer.name().equals(pending.station())) {
                    push(console, text);
                }
            }
        });
    }

    @Override
    public void deviceStatus(DeviceStatus status) {
        loop.execute(() -> gateways.apply(status).ifPresent(gateway -> {
            String text = messages.gateway(gateway);
            for (ConsoleConnection console : consoles) {
                if (console.watchesSites && console.viewer.coversSite(gateway.siteId())) {
                    push(console, text);
                }
            }
        }));
    }

    @Override
    public void telemetry(TelemetryBatch batch) {
        loop.execute(() -> {
            int ignored = sensors.add(batch);
            if (ignored > 0) {
                readingsIgnored.increment(ignored);
            }
        });
    }

    @Override
    public void feedHealthy(boolean healthy) {
        loop.execute(() -> {
            if (feedHealthy != healthy) {
                feedHealthy = healthy;
                heartbeat();
            }
        });
    }

    // ---- on the loop ----

    private void applyAlarm(AlarmEvent event, boolean historic) {
        ActiveAlarms.Entry before = alarms.find(event.getAlarmId()).orElse(null);
        ActiveAlarms.Change change = historic ? alarms.applyHistoric(event) : alarms.apply(event);
        activeAlarmCount.set(alarms.size());
        if (change == ActiveAlarms.Change.NONE) {
            return;
        }
        if (change == ActiveAlarms.Change.REMOVED) {
            String text = messages.alarmRemoved(event);
            for (ConsoleConnection console : consoles) {
                if (before.visibleTo(console.viewer)) {
                    push(console, text);
                }
            }
            return;
        }
        ActiveAlarms.Entry entry = alarms.find(event.getAlarmId()).orElseThrow();
        for (ConsoleConnection console : consoles) {
            if (entry.visibleTo(console.viewer)) {
                push(console, messages.alarmChanged(console.viewer, entry));
            }
        }
    }

    void consoleConnected(ConsoleConnection console) {
        consoles.add(console);
        connected.set(consoles.size());
        log.info("Console connected: {} from {}", console.viewer.name(), console.channel.remoteAddress());
        push(console, messages.hello(console.viewer, historyLoaded, feedHealthy));
        sendAlarmList(console);
        console.channel.closeFuture().addListener(closed -> {
            consoles.remove(console);
            connected.set(consoles.size());
            log.info("Console disconnected: {} from {}", console.viewer.name(), console.channel.remoteAddress());
        });
    }

    void consoleWritable(ConsoleConnection console) {
        if (console.stale && console.channel.isWritable()) {
            console.stale = false;
            sendAlarmList(console);
            if (console.watchesSites) {
                sendSites(console);
            }
        }
    }

    void consoleMessage(ConsoleConnection console, JsonNode message) {
        String type = message.path("type").asText("");
        switch (type) {
            case "watch-sites" -> {
                console.watchesSites = true;
                sendSites(console);
            }
            case "acknowledge" -> command(console, CommandType.COMMAND_TYPE_ACKNOWLEDGE, message);
            case "shelve" -> command(console, CommandType.COMMAND_TYPE_SHELVE, message);
            case "resync" -> sendAlarmList(console);
            default -> push(console, messages.error("unknown message type '" + type + "'"));
        }
    }

    private void command(ConsoleConnection console, CommandType type, JsonNode message) {
        String alarmId = message.path("alarmId").asText("");
        String name = ConsoleMessages.commandName(type.name());
        String commandId = UUID.randomUUID().toString();
        ActiveAlarms.Entry entry = alarms.find(alarmId).orElse(null);
        if (entry == null || !entry.visibleTo(console.viewer)) {
            push(console, messages.commandNotSent(commandId, alarmId, name, "no such active alarm for "
                    + console.viewer.name()));
            return;
        }
        AlarmEvent alarm = entry.latest();
        long now = clock.millis();
        String comment = message.path("comment").asText("").strip();
        AlarmCommandRequest.Builder request = AlarmCommandRequest.newBuilder()
                .setCommandId(commandId)
                .setType(type)
                .setSiteId(alarm.getSiteId())
                .setSensorId(alarm.getSensorId())
                .setRuleId(alarm.getRuleId())
                .setAlarmId(alarm.getAlarmId())
                .setActor(console.viewer.name())
                .setComment(comment)
                .setIssuedAtMs(now);
        if (type == CommandType.COMMAND_TYPE_SHELVE) {
            long minutes = message.path("minutes").asLong(0);
            if (comment.isEmpty() || minutes < 1 || minutes > MAX_SHELVE.toMinutes()) {
                push(console, messages.commandNotSent(commandId, alarmId, name, "a shelve needs a reason and 1 to "
                        + MAX_SHELVE.toMinutes() + " minutes"));
                return;
            }
            request.setShelveUntilMs(now + TimeUnit.MINUTES.toMillis(minutes));
        }
        pendingCommands.put(commandId, new PendingCommand(console.viewer.name(), alarmId));
        log.info("Console {}: {} {} (command {})", console.viewer.name(), name, alarmId, commandId);
        commands.send(request.build()).whenComplete((ok, failure) -> loop.execute(() -> {
            if (failure == null) {
                commandsSent.increment();
                push(console, messages.commandSent(commandId, alarmId, name));
            } else {
                commandsFailed.increment();
                pendingCommands.remove(commandId);
                log.error("Console {}: {} {} could not be sent to the alarm job", console.viewer.name(), name,
                        alarmId, failure);
                push(console, messages.commandNotSent(commandId, alarmId, name,
                        "the command could not be delivered to the alarm engine, try again"));
            }
        }));
    }

    private void sendAlarmList(ConsoleConnection console) {
        push(console, messages.alarms(console.viewer, alarms.visibleTo(console.viewer), historyLoaded));
    }

    private void sendSites(ConsoleConnection console) {
        Set<String> siteIds = new LinkedHashSet<>(sensors.siteIds());
        gateways.visibleTo(console.viewer).forEach(g -> siteIds.add(g.siteId()));
        console.viewer.sites().forEach(siteIds::add);
        push(console, messages.sites(console.viewer, siteIds, sensors.visibleTo(console.viewer),
                gateways.visibleTo(console.viewer)));
    }

    private void heartbeat() {
        String text = messages.heartbeat(clock.millis(), historyLoaded, feedHealthy);
        consoles.forEach(console -> push(console, text));
    }

    private void pushChangedSensors() {
        List<LiveSensorValues.Sensor> changed = sensors.drainChanged(siteId -> consoles.stream()
                .anyMatch(console -> console.watchesSites && console.viewer.coversSite(siteId)));
        if (changed.isEmpty()) {
            return;
        }
        for (ConsoleConnection console : consoles) {
            if (!console.watchesSites) {
                continue;
            }
            List<LiveSensorValues.Sensor> visible = changed.stream()
                    .filter(s -> console.viewer.coversSite(s.siteId())).toList();
            if (!visible.isEmpty()) {
                push(console, messages.sensors(visible));
            }
        }
    }

    /**
     * Sends a message, unless the page does not keep up: then the message is dropped, counted, and the page gets
     * the whole list again as soon as it has read what it was sent (a page must never silently miss a change).
     */
    private void push(ConsoleConnection console, String text) {
        if (!console.channel.isActive()) {
            return;
        }
        if (!console.channel.isWritable() || console.stale) {
            console.stale = true;
            pushesDropped.increment();
            return;
        }
        console.channel.writeAndFlush(new TextWebSocketFrame(text))
                .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    // ---- for the HTTP handlers ----

    ConsoleSessions sessions() {
        return sessions;
    }

    StaticAssets assets() {
        return assets;
    }

    Authenticator authenticator() {
        return authenticator;
    }

    ConsoleSettings settings() {
        return settings;
    }

    void loginRefused() {
        loginsRefused.increment();
    }
}
