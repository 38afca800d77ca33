/* Reserved exit statuses of islands' processes (what the supervisor reads
 * from wait()). 64-68 are outside the shell's range (126 and up) and the
 * usual 1 and 2, but they are exactly sysexits.h's EX_USAGE..EX_NOHOST,
 * with other meanings here: read them by this table, not by sysexits. */
#ifndef ISLANDS_EXIT_STATUS_H
#define ISLANDS_EXIT_STATUS_H

enum {
    ISL_EXIT_NORMAL = 0,      /* asked to stop (SIGTERM, hibernation): game stays stored */
    ISL_EXIT_GAME_ENDED = 64, /* OTP "shutdown": game deleted (end_game, game_timeout) */
    ISL_EXIT_CORRUPT = 65,    /* stored state failed to decode: poison, never restart */
    ISL_EXIT_STORE = 66,      /* store could not be opened or used at start */
    ISL_EXIT_USAGE = 67,      /* bad command line or configuration */
    ISL_EXIT_CRASH = 68,      /* the crash op's "EXIT": an abnormal exit on purpose */
    ISL_EXIT_EXEC_FAILED = 127 /* exec of the program failed (as the shell) */
};

#endif
