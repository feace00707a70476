package io.tocsin.jobs.alarms;

import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.testing.ForwardingWriter;
import io.tocsin.rules.AlarmTransition;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A Sink V2 for tests that collects into a static queue: Flink serialises the sink to the task, so an
 * instance field would fill a copy nobody can see. Tests using it must not run concurrently.
 */
final class CollectingSink implements Sink<RoutedAlarm> {

    private static final long serialVersionUID = 1L;
    private static final Queue<RoutedAlarm> COLLECTED = new ConcurrentLinkedQueue<>();

    static void clear() {
        COLLECTED.clear();
    }

    /** The transitions, without routing. */
    static List<AlarmTransition> collected() {
        return COLLECTED.stream().map(RoutedAlarm::transition).toList();
    }

    static List<RoutedAlarm> routed() {
        return List.copyOf(COLLECTED);
    }

    @Override
    public SinkWriter<RoutedAlarm> createWriter(WriterInitContext context) {
        return new ForwardingWriter<>(COLLECTED::add);
    }
}
