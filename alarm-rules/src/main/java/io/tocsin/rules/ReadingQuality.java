package io.tocsin.rules;

/** How far a reading can be trusted; only GOOD readings may raise or clear a process alarm. */
public enum ReadingQuality {
    GOOD,
    UNCERTAIN,
    BAD
}
