/**
 * Alarm notifications to the stations' own systems over signed webhooks: SMS gateways, WeCom/DingTalk group bots,
 * integrators. {@link io.tocsin.ingest.notify.WebhooksFile} reads the per-station targets,
 * {@link io.tocsin.ingest.notify.WebhookNotifier} delivers (ordered per station, retried, dead-lettered, never
 * twice), {@link io.tocsin.ingest.notify.WebhookAlarmConsumer} feeds it from the Kafka alarms topic.
 */
package io.tocsin.ingest.notify;
