package io.tocsin.ingest.console;

import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.TelemetryBatch;

import java.util.List;

/**
 * What the console is fed with: alarm events, command results, gateway status and live readings. Implemented by
 * {@link ConsoleServer}; called from any thread (the Kafka adapter {@link KafkaConsoleFeed} calls it from its
 * polling thread).
 */
public interface ConsoleFeed {

    /** A new alarm event from the alarms topic (written since the feed started), in topic order per site. */
    void alarm(AlarmEvent event);

    /**
     * The feed (re)starts reading the alarm history, the topic up to where it ended when the feed started: its
     * events follow through {@link #historicAlarms}, while new ones arrive through {@link #alarm} meanwhile, so
     * that a new alarm never waits for the history. Called before either.
     */
    void alarmHistoryStarts();

    /**
     * Events of the history, in topic order per site; each older than every event given to {@link #alarm} since
     * {@link #alarmHistoryStarts}, so an alarm that had a new event meanwhile keeps it.
     */
    void historicAlarms(List<AlarmEvent> events);

    /**
     * The alarm history has been read up to where the topic ended when the feed started: from now on the
     * active-alarm list is complete. Until then consoles show that they are still loading.
     */
    void alarmHistoryLoaded();

    void commandResult(AlarmCommandResult result);

    void deviceStatus(DeviceStatus status);

    void telemetry(TelemetryBatch batch);

    /** Whether the feed is currently reading its topics; consoles show a warning while it is not. */
    void feedHealthy(boolean healthy);
}
