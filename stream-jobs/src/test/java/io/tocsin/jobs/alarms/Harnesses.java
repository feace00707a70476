package io.tocsin.jobs.alarms;

import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.registry.RegistryView;

/** Operator harnesses for the job's keyed stages, which all take the registry as broadcast input. */
public final class Harnesses {

    private Harnesses() {
    }

    /** Not yet opened: call {@code initializeState} (to restore) and {@code open}. */
    public static <IN, OUT> KeyedBroadcastOperatorTestHarness<String, IN, RegistryEntry, OUT> keyed(
            KeyedBroadcastProcessFunction<String, IN, RegistryEntry, OUT> function, KeySelector<IN, String> key)
            throws Exception {
        return new KeyedBroadcastOperatorTestHarness<>(
                new CoBroadcastWithKeyedOperator<>(function, List.of(RegistryView.STATE)), key, Types.STRING,
                128, 1, 0);
    }
}
