package io.tocsin.ingest.mqtt;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The clients connected to this server, by client id: a client id names one connection at a time, so a new
 * connection with an id in use takes over and the old one is dropped (MQTT 3.1.4-3).
 */
public final class ConnectedClients {

    private final ConcurrentMap<String, ConnectedClient> byId = new ConcurrentHashMap<>();

    /** Registers a newly accepted client and returns the connection it takes over, if any. */
    Optional<ConnectedClient> register(ConnectedClient client) {
        return Optional.ofNullable(byId.put(client.clientId(), client));
    }

    /** Forgets a closed client, unless its id already belongs to the connection that took over. */
    void unregister(ConnectedClient client) {
        byId.remove(client.clientId(), client);
    }

    public Optional<ConnectedClient> find(String clientId) {
        return Optional.ofNullable(byId.get(clientId));
    }

    public int size() {
        return byId.size();
    }
}
