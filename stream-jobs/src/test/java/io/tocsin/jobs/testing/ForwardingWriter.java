package io.tocsin.jobs.testing;

import java.util.function.Consumer;
import org.apache.flink.api.connector.sink2.SinkWriter;

/**
 * The writer of a test's Sink V2: hands each element to {@code consumer} and buffers nothing, so flush and close have
 * nothing to do. The consumer usually adds to a static collection: Flink serialises the sink to the task, so an
 * instance field would fill a copy nobody can see.
 */
public record ForwardingWriter<T>(Consumer<T> consumer) implements SinkWriter<T> {

    @Override
    public void write(T element, Context context) {
        consumer.accept(element);
    }

    @Override
    public void flush(boolean endOfInput) {
    }

    @Override
    public void close() {
    }
}
