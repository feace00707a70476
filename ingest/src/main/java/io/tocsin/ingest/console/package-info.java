/**
 * The fire-station alarm console and the control-room live view: {@link io.tocsin.ingest.console.ConsoleServer}
 * (HTTP + WebSocket on its own Netty event loop, pages from {@code console/} in the jar), fed through
 * {@link io.tocsin.ingest.console.ConsoleFeed} by {@link io.tocsin.ingest.console.KafkaConsoleFeed}, commands out
 * through {@link io.tocsin.ingest.console.AlarmCommandSender} ({@link io.tocsin.ingest.console.KafkaAlarmCommandSender}).
 */
package io.tocsin.ingest.console;
