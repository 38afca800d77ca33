/* The last line of a process killed by a fault (fault_note.h). */
#include "islands/fault_note.h"

#include <signal.h>
#include <string.h>

#include "islands/log.h"

static volatile sig_atomic_t current_phase = ISL_PHASE_NONE;

enum isl_store_phase isl_store_phase_enter(enum isl_store_phase phase)
{
    enum isl_store_phase before = (enum isl_store_phase)current_phase;
    current_phase = phase;
    return before;
}

void isl_store_phase_leave(enum isl_store_phase before)
{
    current_phase = before;
}

const char *isl_store_phase_name(enum isl_store_phase phase)
{
    static const char *const names[] = {"none", "open", "read", "scan", "commit"};
    return (unsigned)phase < sizeof names / sizeof names[0] ? names[phase] : "none";
}

/* A file mapped past its end (SIGBUS) is a data.mdb shorter than LMDB
 * expects, or a disk that failed the read; a SIGSEGV inside LMDB follows a
 * pointer read from a damaged page. */
static void on_fault(int sig, siginfo_t *info, void *context)
{
    (void)context;
    /* si_code > 0: raised by the CPU; kill, tkill and sigqueue give <= 0. */
    if (info->si_code > 0) {
        const char *name = sig == SIGBUS ? "BUS" : "SEGV";
        enum isl_store_phase phase = (enum isl_store_phase)current_phase;
        if (phase == ISL_PHASE_NONE)
            isl_log(ISL_LOG_ERR, "event=fatal_fault signal=%s addr=%p", name, info->si_addr);
        else
            isl_log(ISL_LOG_ERR, "event=store_fault signal=%s addr=%p during=%s note=\"%s\"",
                    name, info->si_addr, isl_store_phase_name(phase),
                    sig == SIGBUS ? "reading the store's data.mdb failed: the file is shorter "
                                    "than LMDB expects, or the disk failed the read (see the "
                                    "kernel log)"
                                  : "LMDB crashed in the store: data.mdb is likely damaged; "
                                    "check it with mdb_stat -a, and restore a backup if so");
    }
    /* The handler is gone (SA_RESETHAND): the signal does what it would have. */
    raise(sig);
}

void isl_fault_note_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}
