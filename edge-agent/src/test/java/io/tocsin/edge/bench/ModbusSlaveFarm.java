package io.tocsin.edge.bench;

import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.tocsin.edge.testing.LoopbackPorts;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Child JVM of {@link PollingBenchmark}: N j2mod Modbus TCP slaves on loopback, each with 10 holding registers,
 * in a process of their own so that their CPU is not counted as the agent's. Prints "ports p1,p2,..." and runs
 * until killed. Args: N.
 */
public final class ModbusSlaveFarm {

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        List<String> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int port = LoopbackPorts.free();
            SimpleProcessImage image = new SimpleProcessImage(1);
            for (int r = 0; r < 10; r++) {
                image.addRegister(new SimpleRegister(100 * i + r));
            }
            ModbusSlave slave = ModbusSlaveFactory.createTCPSlave(InetAddress.getLoopbackAddress(), port, 2, false);
            slave.addProcessImage(1, image);
            slave.open();
            ports.add(String.valueOf(port));
        }
        System.out.println("ports " + String.join(",", ports));
        System.out.flush();
        synchronized (ModbusSlaveFarm.class) {
            ModbusSlaveFarm.class.wait(); // until killed
        }
    }
}
