/* A last log line for a worker or the writer that dies of a fault
 * (SIGSEGV or SIGBUS raised by the CPU, not sent by anyone): its address,
 * and, if the process was inside the store at the time, what it was doing
 * there, since LMDB trusts its file and a damaged data.mdb makes it crash
 * rather than report. After the line the signal does what it would have
 * done, so the exit status is unchanged. */
#ifndef ISLANDS_FAULT_NOTE_H
#define ISLANDS_FAULT_NOTE_H

enum isl_store_phase {
    ISL_PHASE_NONE,     /* not in the store */
    ISL_PHASE_OPEN,     /* opening the environment and its databases */
    ISL_PHASE_READ,     /* reading a game's record */
    ISL_PHASE_SCAN,     /* reading every game's meta entry (the writer's index) */
    ISL_PHASE_COMMIT,   /* writing a transaction */
};

/* Install the handlers for SIGSEGV and SIGBUS (once, after isl_child_setup). */
void isl_fault_note_install(void);
/* Enter a phase; returns the one before, for isl_store_phase_leave. */
enum isl_store_phase isl_store_phase_enter(enum isl_store_phase phase);
void isl_store_phase_leave(enum isl_store_phase before);
/* The phase's name in the log ("none", "open", "read", "scan", "commit"). */
const char *isl_store_phase_name(enum isl_store_phase phase);

#endif
