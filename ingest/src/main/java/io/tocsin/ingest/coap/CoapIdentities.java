package io.tocsin.ingest.coap;

import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.elements.auth.PreSharedKeyIdentity;

import java.security.Principal;
import java.util.Optional;

/**
 * Who sent a CoAP request: the DTLS pre-shared key identity looked up in the credential registry. Plain CoAP has no
 * identity: with a registry configured its requests are from nobody (4.01); without one, from anyone.
 */
final class CoapIdentities {

    private final CredentialRegistry registry;

    CoapIdentities(CredentialRegistry registry) {
        this.registry = registry;
    }

    /** The identity of a request's sender, empty when unknown. */
    Optional<Identity> of(CoapExchange exchange) {
        if (registry == null) {
            return Optional.of(Identity.unrestricted());
        }
        Principal peer = exchange.advanced().getRequest().getSourceContext().getPeerIdentity();
        if (peer instanceof PreSharedKeyIdentity psk) {
            return registry.find(psk.getIdentity()).map(CredentialRegistry.Entry::identity);
        }
        return Optional.empty();
    }
}
