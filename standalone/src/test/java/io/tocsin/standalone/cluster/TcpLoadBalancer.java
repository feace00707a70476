package io.tocsin.standalone.cluster;

import io.tocsin.standalone.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;

/**
 * HAProxy (Debian package {@code haproxy}) in front of the ingest nodes, configured as docs/deployment.md tells a
 * city to: TCP mode, least connections, a health check on each node's {@code GET /health}. The devices know one
 * address, HAProxy picks the node for each connection. MQTT needs nothing more from the balancer than idle
 * timeouts longer than a keep-alive period.
 */
final class TcpLoadBalancer implements AutoCloseable {

    private final ChildProcess haproxy;
    private final int port;
    private final int statsPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TcpLoadBalancer(ChildProcess haproxy, int port, int statsPort) {
        this.haproxy = haproxy;
        this.port = port;
        this.statsPort = statsPort;
    }

    /** The haproxy binary: {@code -Dtocsin.cluster.haproxy}, else /usr/sbin/haproxy if installed. */
    static Optional<Path> binary() {
        String configured = System.getProperty("tocsin.cluster.haproxy");
        Path path = Path.of(configured != null && !configured.isBlank() ? configured : "/usr/sbin/haproxy");
        return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
    }

    /**
     * Starts HAProxy on a free loopback port, balancing over the nodes' MQTT ports and checking their HTTP ports;
     * returns once it counts every node as up (devices connecting before would all land on the first node up, and
     * long-lived MQTT connections stay where they landed).
     */
    static TcpLoadBalancer start(Path binary, Path dir, List<Integer> mqttPorts, List<Integer> httpPorts)
            throws IOException {
        int port = LoopbackPorts.free();
        int statsPort = LoopbackPorts.free();
        List<String> config = new ArrayList<>(List.of(
                "# Tocsin local cluster: TCP load balancer in front of the ingest nodes (generated)",
                "global",
                // Two descriptors per proxied connection: 5,000 stays under this machine's limit of 20,000.
                "    maxconn 5000",
                "defaults",
                "    mode tcp",
                "    timeout connect 5s",
                // Longer than any device's keep-alive (60 s here, x1.5), so idle devices are not cut off.
                "    timeout client 10m",
                "    timeout server 10m",
                // A node busy starting may take a second to answer /health; that is not a dead node.
                "    timeout check 5s",
                "frontend stats",
                "    mode http",
                "    bind 127.0.0.1:" + statsPort,
                "    stats enable",
                "    stats uri /stats",
                "frontend mqtt",
                "    bind 127.0.0.1:" + port,
                "    default_backend ingest",
                "backend ingest",
                "    balance leastconn",
                // 200 while the node serves, 503 while it starts or drains: no device is sent to it then.
                "    option httpchk GET /health"));
        for (int i = 0; i < mqttPorts.size(); i++) {
            // A node that stops answering is taken out of the rotation within ~2 s.
            config.add("    server node-" + (i + 1) + " 127.0.0.1:" + mqttPorts.get(i) + " check port "
                    + httpPorts.get(i) + " inter 1s fall 3 rise 2");
        }
        config.add("");
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, String.join("\n", config));
        ChildProcess haproxy = ChildProcess.start("haproxy", dir.resolve("logs"),
                List.of(binary.toString(), "-db", "-f", file.toString()));
        TcpLoadBalancer balancer = new TcpLoadBalancer(haproxy, port, statsPort);
        Awaitility.await(haproxy + " counting all " + mqttPorts.size() + " nodes up (log " + haproxy.log() + ")")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    if (!haproxy.isAlive()) {
                        throw new IllegalStateException(haproxy + " exited; see " + haproxy.log());
                    }
                    return balancer.accepts() && balancer.serversUp() == mqttPorts.size();
                });
        return balancer;
    }

    /** How many nodes HAProxy counts as up, from its statistics page (CSV). */
    int serversUp() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                    .timeout(Duration.ofSeconds(5)).build();
            String[] lines = http.send(request, HttpResponse.BodyHandlers.ofString()).body().split("\n");
            List<String> header = List.of(lines[0].replaceFirst("^# ", "").split(","));
            int proxy = header.indexOf("pxname");
            int server = header.indexOf("svname");
            int status = header.indexOf("status");
            int up = 0;
            for (int i = 1; i < lines.length; i++) {
                String[] fields = lines[i].split(",", -1);
                if (fields.length > status && fields[proxy].equals("ingest") && fields[server].startsWith("node-")
                        && fields[status].startsWith("UP")) {
                    up++;
                }
            }
            return up;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        haproxy.close();
    }
}
