package io.tocsin.edge.uplink;

import java.time.Duration;

/**
 * Child JVM of {@link MqttUplinkMosquittoTest}: a gateway's uplink with a last will, connected until the test
 * kills it (SIGKILL, like a power cut). Args: protocol uri user password site device.
 */
public final class UplinkProcess {

    public static void main(String[] args) throws Exception {
        MqttUplink.Options options = MqttUplink.Options.defaults().withCredentials(args[2], args[3].toCharArray())
                .withStatusTopic(MqttUplink.statusTopic(args[4], args[5]));
        MqttChannel channel = MqttUplink.connect(MqttUplink.Protocol.valueOf(args[0]), args[1],
                args[4] + "." + args[5], Duration.ofSeconds(5), options);
        System.out.println("connected " + channel.isConnected());
        System.out.flush();
        synchronized (UplinkProcess.class) {
            UplinkProcess.class.wait(); // until killed
        }
    }
}
