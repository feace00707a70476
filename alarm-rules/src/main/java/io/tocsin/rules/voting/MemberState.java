package io.tocsin.rules.voting;

/** What a zone member (one detector) contributes to a vote. */
public enum MemberState {
    /** In service, no alarm. */
    NORMAL,
    /** Its process alarm is active. */
    ALARM,
    /** Faulty or silent: cannot vote normal. */
    FAULT
}
