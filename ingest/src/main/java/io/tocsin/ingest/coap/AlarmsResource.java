package io.tocsin.ingest.coap;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.pubsub.Subscriber;
import io.tocsin.ingest.pubsub.SubscriptionRegistry;
import io.tocsin.ingest.pubsub.TopicFilter;
import io.tocsin.proto.MqttTopics;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.observe.ObserveRelation;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@code GET /alarms/{siteId}} with Observe: sirens and displays that speak CoAP get every alarm of a site, the same
 * {@code AlarmEvent} bytes that MQTT stations get on {@code tocsin/v1/alarms/{siteId}}. A site's resource subscribes
 * to that topic in the server's {@link SubscriptionRegistry} while it has observers, so it is fed by whatever
 * publishes alarms there (the alarm fan-out from Kafka), and an alarm nobody observes stays "unrouted".
 *
 * <p>Notifications are confirmable: an alarm must be acknowledged by the siren, or Californium retransmits it.
 * A GET answers 2.05 with the last alarm of the site (empty before the first one). Access follows the topic ACL:
 * 4.01 without a known identity, 4.03 for a site the station does not cover.
 */
final class AlarmsResource extends CoapResource {

    private static final Logger log = LoggerFactory.getLogger(AlarmsResource.class);
    /** Resources are made on first request for a site name; a bound keeps made-up names from filling the heap. */
    private static final int MAX_SITES = 10_000;

    private final SubscriptionRegistry subscriptions;
    private final CoapIdentities identities;
    private final MeterRegistry meters;
    private final ConcurrentMap<String, SiteAlarms> sites = new ConcurrentHashMap<>();

    AlarmsResource(SubscriptionRegistry subscriptions, CoapIdentities identities, MeterRegistry meters) {
        super("alarms");
        this.subscriptions = subscriptions;
        this.identities = identities;
        this.meters = meters;
    }

    @Override
    public Resource getChild(String site) {
        if (!MqttTopics.isLevel(site)) {
            return null;
        }
        SiteAlarms known = sites.get(site);
        if (known != null || sites.size() >= MAX_SITES) {
            return known;
        }
        return sites.computeIfAbsent(site, name -> {
            SiteAlarms resource = new SiteAlarms(name);
            add(resource);
            return resource;
        });
    }

    /** The alarms of one site. */
    private final class SiteAlarms extends CoapResource implements Subscriber {

        private final String site;
        private volatile byte[] lastAlarm = new byte[0];

        SiteAlarms(String site) {
            super(site);
            this.site = site;
            setObservable(true);
            setObserveType(CoAP.Type.CON);
            getAttributes().setObservable();
        }

        @Override
        public void handleGET(CoapExchange exchange) {
            Optional<Identity> identity = identities.of(exchange);
            if (identity.isEmpty()) {
                meters.counter("tocsin.ingest.coap.alarms.refused", "reason", "unknown_identity").increment();
                exchange.respond(ResponseCode.UNAUTHORIZED, "no known identity: use CoAP over DTLS");
                return;
            }
            if (!identity.get().mayReceiveAlarms(site)) {
                meters.counter("tocsin.ingest.coap.alarms.refused", "reason", "not_authorized").increment();
                log.warn("Refused CoAP alarm observation of site {} by {}", site, identity.get());
                exchange.respond(ResponseCode.FORBIDDEN, identity.get() + " does not cover site " + site);
                return;
            }
            exchange.respond(ResponseCode.CONTENT, lastAlarm, MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        }

        @Override
        public void addObserveRelation(ObserveRelation relation) {
            super.addObserveRelation(relation);
            subscriptions.subscribe(this, TopicFilter.parse(MqttTopics.alarms(site)), MqttQoS.AT_LEAST_ONCE, false);
            log.info("CoAP observer {} of the alarms of site {}", relation.getSource(), site);
        }

        @Override
        public void removeObserveRelation(ObserveRelation relation) {
            super.removeObserveRelation(relation);
            if (getObserverCount() == 0) {
                subscriptions.unsubscribe(this, MqttTopics.alarms(site));
            }
        }

        @Override
        public String clientId() {
            return "coap-alarms-" + site;
        }

        @Override
        public void deliver(String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
            lastAlarm = payload;
            changed();
        }
    }
}
