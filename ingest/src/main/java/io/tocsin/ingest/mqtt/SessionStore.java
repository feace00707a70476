package io.tocsin.ingest.mqtt;

/**
 * Where client sessions live (subscriptions and messages queued for a client while it is away); implemented by
 * {@code io.tocsin.ingest.pubsub.Sessions}. The CONNECT handler drives a session through a connection's life.
 */
public interface SessionStore {

    /**
     * A client was accepted: continue its session (cleanStart false and one exists) or start a new one.
     *
     * @param expirySeconds how long the session outlives the connection (0: ends with it); already capped
     * @return whether an existing session was continued (the CONNACK's Session Present)
     */
    boolean open(ConnectedClient client, boolean cleanStart, long expirySeconds);

    /** The CONNACK went out: send what was queued for the client, then live messages. */
    void resume(ConnectedClient client);

    /** The client's connection closed: keep the session until it expires, or end it now. */
    void closed(ConnectedClient client);
}
