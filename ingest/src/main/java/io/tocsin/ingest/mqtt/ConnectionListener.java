package io.tocsin.ingest.mqtt;

/** Told when a client comes online (CONNECT accepted) and goes offline (its connection closed). */
public interface ConnectionListener {

    /** Lets nobody know. */
    ConnectionListener NONE = new ConnectionListener() {
        @Override
        public void online(ConnectedClient client) {
        }

        @Override
        public void offline(ConnectedClient client, ConnectedClient.CloseCause cause, boolean willPending) {
        }
    };

    /** On the connection's event loop; must not block. */
    void online(ConnectedClient client);

    /**
     * On the connection's event loop; must not block.
     *
     * @param willPending whether the client's will is being published (now or after its delay)
     */
    void offline(ConnectedClient client, ConnectedClient.CloseCause cause, boolean willPending);
}
