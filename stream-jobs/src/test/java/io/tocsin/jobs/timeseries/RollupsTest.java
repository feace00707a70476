package io.tocsin.jobs.timeseries;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.jobs.testing.BoundedSources;
import io.tocsin.jobs.testing.ForwardingWriter;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** One-minute rollups on a local Flink cluster, and their line protocol. */
class RollupsTest {

    private static final Queue<ReadingRollup> ROLLUPS = new ConcurrentLinkedQueue<>();

    /** Collects into a static queue: Flink serialises the sink to the task. */
    static final class CollectRollups implements Sink<ReadingRollup> {
        @Override
        public SinkWriter<ReadingRollup> createWriter(WriterInitContext context) {
            return new ForwardingWriter<>(ROLLUPS::add);
        }
    }

    static final class Discard<T> implements Sink<T> {
        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            return new ForwardingWriter<>(element -> {
            });
        }
    }

    @Test
    void minMaxMeanAndLastOfTheGoodReadingsOfEachMinute() throws Exception {
        ROLLUPS.clear();
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        new TimeSeriesJob(BoundedSources.of(TimeSeriesTestData.telemetry()), new Discard<>(),
                new CollectRollups(), BoundedSources.of(TimeSeriesTestData.alarms()), new Discard<>())
                .buildPipeline(env);
        env.execute("rollups");

        long m0 = TimeSeriesTestData.MINUTE_0;
        assertThat(List.copyOf(ROLLUPS)).containsExactly(
                new ReadingRollup("park-1", "gas-01", m0, 10, 30, 20, 30, 3),
                new ReadingRollup("park-1", "gas-01", m0 + 60_000, 5, 5, 5, 5, 1));
        assertThat(new RollupLines().toLine(ROLLUPS.peek()))
                .isEqualTo("reading_1m,sensor=gas-01,site=park-1 count=3i,last=30.0,max=30.0,mean=20.0,min=10.0 " + m0);
    }
}
