/* The last line of a process killed by a fault (fault_note.h). */
#include "islands/fault_note.h"

#include <signal.h>
#include <stdint.h>
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

/* addr as "0x" and lowercase hex digits, as printf's %p writes it. */
static const char *hex_address(const void *addr, char out[2 + 2 * sizeof(uintptr_t) + 1])
{
    uintptr_t v = (uintptr_t)addr;
    char digits[2 * sizeof v];
    size_t n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v);
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < n; i++)
        out[2 + i] = digits[n - 1 - i];
    out[2 + n] = '\0';
    return out;
}

/* A file mapped past its end (SIGBUS) is a data.mdb shorter than LMDB
 * expects, or a disk that failed the read; a SIGSEGV inside LMDB follows a
 * pointer read from a damaged page. Only async-signal-safe calls here: the
 * fault may have come in the middle of anything. */
static void on_fault(int sig, siginfo_t *info, void *context)
{
    (void)context;
    /* si_code > 0: raised by the CPU; kill, tkill and sigqueue give <= 0. */
    if (info->si_code > 0) {
        char addr[2 + 2 * sizeof(uintptr_t) + 1];
        const char *name = sig == SIGBUS ? "BUS" : "SEGV";
        enum isl_store_phase phase = (enum isl_store_phase)current_phase;
        const char *note = sig == SIGBUS
            ? "reading the store's data.mdb failed: the file is shorter than LMDB expects, "
              "or the disk failed the read (see the kernel log)"
            : "LMDB crashed in the store: data.mdb is likely damaged; check it with "
              "mdb_stat -a, and restore a backup if so";
        const char *fatal[] = {"event=fatal_fault signal=", name, " addr=",
                               hex_address(info->si_addr, addr)};
        const char *in_store[] = {"event=store_fault signal=", name, " addr=", addr,
                                  " during=", isl_store_phase_name(phase), " note=\"", note,
                                  "\""};
        if (phase == ISL_PHASE_NONE)
            isl_log_parts(ISL_LOG_ERR, fatal, sizeof fatal / sizeof fatal[0]);
        else
            isl_log_parts(ISL_LOG_ERR, in_store, sizeof in_store / sizeof in_store[0]);
    }
    /* The handler is gone (SA_RESETHAND): the signal does what it would have. */
    raise(sig);
}

/* A fault from a stack overflow leaves no stack to run the handler on:
 * it runs on this one (in .bss, so it costs nothing until used). */
static char fault_stack[64 * 1024] __attribute__((aligned(16)));

void isl_fault_note_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
    stack_t alt = {.ss_sp = fault_stack, .ss_size = sizeof fault_stack};
    if (sigaltstack(&alt, NULL) == 0)
        sa.sa_flags |= SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}
