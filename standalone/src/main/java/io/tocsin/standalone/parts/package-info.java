/**
 * The platform's parts as separate OS processes from the one standalone jar, for a multi-process deployment on
 * one machine or a few (and for the fault-injection harness, which kills them one by one):
 * {@code tocsin kafka}, {@code tocsin store}, {@code tocsin jobs}, {@code tocsin ingest}. Each prints one line
 * {@code READY <part> key=value ...} on standard output once it serves, and stops cleanly on SIGTERM.
 */
package io.tocsin.standalone.parts;
