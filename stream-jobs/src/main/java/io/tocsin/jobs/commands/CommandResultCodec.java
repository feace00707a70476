package io.tocsin.jobs.commands;

import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.CommandType;
import io.tocsin.rules.lifecycle.AlarmCommand;

/** {@link CommandResult} to the wire. */
public final class CommandResultCodec {

    private CommandResultCodec() {
    }

    public static AlarmCommandResult toProto(CommandResult r) {
        return AlarmCommandResult.newBuilder()
                .setCommandId(nonNull(r.commandId()))
                .setAccepted(r.accepted())
                .setRefusal(nonNull(r.refusal()))
                .setSiteId(nonNull(r.siteId()))
                .setSensorId(nonNull(r.sensorId()))
                .setType(toProto(r.type()))
                .setActor(nonNull(r.actor()))
                .setDecidedAtMs(r.decidedAtMs())
                .build();
    }

    public static CommandType toProto(AlarmCommand.Type type) {
        if (type == null) {
            return CommandType.COMMAND_TYPE_UNSPECIFIED;
        }
        return switch (type) {
            case ACKNOWLEDGE -> CommandType.COMMAND_TYPE_ACKNOWLEDGE;
            case SHELVE -> CommandType.COMMAND_TYPE_SHELVE;
            case UNSHELVE -> CommandType.COMMAND_TYPE_UNSHELVE;
            case SUPPRESS -> CommandType.COMMAND_TYPE_SUPPRESS;
            case UNSUPPRESS -> CommandType.COMMAND_TYPE_UNSUPPRESS;
        };
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
