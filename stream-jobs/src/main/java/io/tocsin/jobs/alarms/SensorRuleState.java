package io.tocsin.jobs.alarms;

import io.tocsin.rules.engine.SensorAlarmState;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The state of one sensor in {@link EvaluateAlarmRules}, an entry of its site's keyed map state: the engine's state
 * and the sensor's clock with its deadline. One value rather than two because both change with every reading: one
 * state look-up and one write per reading instead of two of each (keyed state access was a third of the
 * operator's time).
 *
 * @param alarms the engine's state of the sensor; null before its first reading (e.g. a command on a sensor
 *               never heard of)
 * @param clock  the sensor's clock and the processing time of its next deadline; never null once the state is
 *               written
 */
@TypeInfo(SensorRuleStateTypeInfo.Factory.class) // SensorRuleStateSerializer: cheap copies while checkpointing
public record SensorRuleState(SensorAlarmState alarms, SensorClock clock) {
}
