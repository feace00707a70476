package io.tocsin.jobs.commands;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.jobs.alarms.SensorInput;
import io.tocsin.jobs.events.FieldEventInput;
import io.tocsin.jobs.gateways.GatewayInput;
import io.tocsin.jobs.gateways.GatewayOfflineRule;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmCommandRequest;
import io.tocsin.rules.events.FieldEventAlarms;
import io.tocsin.rules.lifecycle.AlarmCommand;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the bytes of one {@code AlarmCommandRequest} into a {@link SensorInput} for the sensor (or zone) it is
 * about. A request that cannot be understood never fails the job: it is logged, counted and, when it has at
 * least a command id, answered with a refusal on {@link EvaluateAlarmRules#COMMAND_RESULTS} so that the person
 * who sent it sees why nothing happened.
 *
 * <p>Commands on a gateway fault (rule id {@link GatewayOfflineRule#RULE_ID}) go to {@link #GATEWAY_COMMANDS},
 * for the gateway stage, when the job has one. Commands on a field event alarm (rule id {@code event-*}, see
 * {@link FieldEventAlarms}) go to {@link #FIELD_EVENT_COMMANDS}, for the field event stage, which the alarm job
 * always has. A sensor-wide SUPPRESS or UNSUPPRESS (no rule id) goes to both the sensor stage and the field event
 * stage: a point with rules may report fire, fault or offline events too, and a suppression that left those
 * annunciating would not hold. Both answer a part; {@link MergeSensorWideResults} makes one result of them.
 */
public class DecodeAlarmCommand extends ProcessFunction<byte[], SensorInput> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeAlarmCommand.class);

    public static final String REJECTED_COMMANDS = "alarmCommandsRejected";

    public static final OutputTag<GatewayInput> GATEWAY_COMMANDS =
            new OutputTag<>("gateway-commands", TypeInformation.of(GatewayInput.class));

    public static final OutputTag<FieldEventInput> FIELD_EVENT_COMMANDS =
            new OutputTag<>("field-event-commands", TypeInformation.of(FieldEventInput.class));

    private final boolean gatewayStage;
    private transient Counter rejected;

    /** For a job without a gateway stage: commands on gateway faults go to the sensor stage too. */
    public DecodeAlarmCommand() {
        this(false);
    }

    /** @param gatewayStage whether commands on gateway faults go to {@link #GATEWAY_COMMANDS} */
    public DecodeAlarmCommand(boolean gatewayStage) {
        this.gatewayStage = gatewayStage;
    }

    @Override
    public void open(OpenContext openContext) {
        rejected = getRuntimeContext().getMetricGroup().counter(REJECTED_COMMANDS);
    }

    @Override
    public void processElement(byte[] bytes, Context ctx, Collector<SensorInput> out) {
        AlarmCommandRequest request;
        try {
            request = AlarmCommandRequest.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            rejected.inc();
            LOG.warn("Dropped a command record of {} bytes: not an AlarmCommandRequest ({})", bytes.length,
                    e.getMessage());
            return;
        }
        try {
            AlarmCommand command = toCommand(request);
            if (gatewayStage && GatewayOfflineRule.RULE_ID.equals(command.ruleId())) {
                ctx.output(GATEWAY_COMMANDS, GatewayInput.of(request.getCommandId(), command));
            } else if (FieldEventAlarms.isFieldEventRuleId(command.ruleId())) {
                ctx.output(FIELD_EVENT_COMMANDS, FieldEventInput.of(request.getCommandId(), command));
            } else if (MergeSensorWideResults.isSensorWide(command)) {
                // Out of service means every alarm of the point: its rules' and the field events it reports.
                out.collect(SensorInput.of(request.getCommandId(), command));
                ctx.output(FIELD_EVENT_COMMANDS, FieldEventInput.of(request.getCommandId(), command));
            } else {
                out.collect(SensorInput.of(request.getCommandId(), command));
            }
        } catch (IllegalArgumentException e) {
            rejected.inc();
            LOG.warn("Command {} refused: {}", request.getCommandId(), e.getMessage());
            ctx.output(EvaluateAlarmRules.COMMAND_RESULTS, new CommandResult(request.getCommandId(), false,
                    e.getMessage(), request.getSiteId(), request.getSensorId(), null, request.getActor(),
                    ctx.timerService().currentProcessingTime()));
        }
    }

    /** @throws IllegalArgumentException naming what is wrong with the request */
    public static AlarmCommand toCommand(AlarmCommandRequest r) {
        String ruleId = r.getRuleId().isEmpty() ? null : r.getRuleId();
        AlarmCommand command = switch (r.getType()) {
            case COMMAND_TYPE_ACKNOWLEDGE -> AlarmCommand.acknowledge(r.getAlarmId(), r.getActor(), r.getIssuedAtMs(),
                    r.getComment());
            case COMMAND_TYPE_SHELVE -> AlarmCommand.shelve(r.getSiteId(), r.getSensorId(), requireRule(ruleId, r),
                    r.getActor(), r.getIssuedAtMs(), r.getShelveUntilMs(), r.getComment());
            case COMMAND_TYPE_UNSHELVE -> AlarmCommand.unshelve(r.getSiteId(), r.getSensorId(), requireRule(ruleId, r),
                    r.getActor(), r.getIssuedAtMs(), r.getComment());
            case COMMAND_TYPE_SUPPRESS -> new AlarmCommand(AlarmCommand.Type.SUPPRESS, r.getSiteId(), r.getSensorId(),
                    ruleId, null, r.getActor(), r.getComment(), r.getIssuedAtMs(), 0);
            case COMMAND_TYPE_UNSUPPRESS -> new AlarmCommand(AlarmCommand.Type.UNSUPPRESS, r.getSiteId(),
                    r.getSensorId(), ruleId, null, r.getActor(), r.getComment(), r.getIssuedAtMs(), 0);
            case COMMAND_TYPE_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("command without a known type: " + r.getTypeValue());
        };
        if (!MqttTopics.isLevel(command.siteId()) || command.sensorId().isEmpty()) {
            throw new IllegalArgumentException("command without a valid site and sensor (or alarm id): site '"
                    + command.siteId() + "', sensor '" + command.sensorId() + "'");
        }
        return command;
    }

    private static String requireRule(String ruleId, AlarmCommandRequest r) {
        if (ruleId == null) {
            throw new IllegalArgumentException(r.getType() + " needs the rule_id of the alarm");
        }
        return ruleId;
    }
}
