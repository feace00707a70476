package io.tocsin.ingest.console;

import io.netty.channel.Channel;

/** One open console page: its WebSocket channel and who is logged in on it. Confined to the console's loop. */
final class ConsoleConnection {

    final Channel channel;
    final Viewer viewer;
    /** The page shows the control-room view and wants sensor values and gateway states. */
    boolean watchesSites;
    /** A push was dropped because the page did not keep up: it gets the whole list again once it does. */
    boolean stale;

    ConsoleConnection(Channel channel, Viewer viewer) {
        this.channel = channel;
        this.viewer = viewer;
    }
}
