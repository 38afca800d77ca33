/* What islands-worker and islands-writer share: child start-up hygiene,
 * the store options of their command lines, and the address of the
 * writer's socket (docs/INTERNAL-PROTOCOL.md). */
#ifndef ISLANDS_WORKER_PROTO_H
#define ISLANDS_WORKER_PROTO_H

#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "islands/request.h"
#include "islands/store.h"

#define ISL_CHANNEL_FD 3            /* the supervisor channel */
#define ISL_WRITER_SOCK "writer.sock"
#define ISL_PARENT_PID_ENV "ISLANDS_PARENT_PID"

/* Open fds 0-2 on /dev/null where they are closed, or the first file
 * opened becomes stdin, stdout or stderr (islandsd, started by anyone,
 * runs it too). */
void isl_open_std_fds(void);

/* Run first thing in main(): fd 3 must be a socket (else exit
 * ISL_EXIT_USAGE); fds 0-2 opened on /dev/null if closed; every other fd
 * closed; PR_SET_PDEATHSIG(SIGKILL), then exit at once if the parent named
 * by ISLANDS_PARENT_PID is already gone; signal mask and dispositions reset
 * (SIGPIPE ignored: a vanished peer is EPIPE). Also starts logging. */
void isl_child_setup(const char *program);

/* Parse the store options both programs take (--store, --sync, --map-size,
 * --max-readers) at argv[*i]: 1 consumed (*i advanced past its value),
 * 0 not a store option, -1 bad value (message in err). */
int isl_store_option(struct isl_store_options *o, int argc, char **argv, int *i,
                     char *err, size_t errlen);

/* The address of DIR/writer.sock. When the path does not fit sun_path it
 * goes through "/proc/self/fd/N/writer.sock" with N a directory fd kept in
 * *dirfd (close it after bind/connect; -1 when not needed). 0, or -1. */
int isl_writer_addr(const char *store_dir, struct sockaddr_un *addr, socklen_t *len,
                    int *dirfd);

/* The worker -> supervisor answer frame
 * {"t":"resp","seq":N,"resp":RESPONSE,"rules":RULES} (response and rules
 * stolen; rules is a state name or null). */
json_t *isl_resp_frame(long long seq, json_t *response, json_t *rules);
/* The same frame as text, from a response's JSON text (for a guess,
 * isl_response_guess_text) and a rules state name (NULL: null): the bytes
 * json_dumps(frame, JSON_COMPACT) gives, with no tree built. Malloc'd;
 * NULL on no memory. */
char *isl_resp_frame_text(long long seq, const char *response, const char *rules);

/* req_text.c: islandsd's request frame for a guess or a state, in its exact layout,
 * decoded into *seq and *out as isl_request_parse(trusted) would: 1; 0
 * for anything else (decode that with jansson). */
int isl_req_frame_text(const char *payload, size_t len, long long *seq, struct isl_request *out);

/* islandsd's `adopt` of a game no dead worker can have a write pending
 * for ({"t":"adopt","game":NAME,"after":[]}, exactly): 1 and the name in
 * game[cap]; 0 for anything else (jansson's). */
int isl_adopt_frame_text(const char *payload, size_t len, char *game, size_t cap);

/* The worker's {"t":"ready","game":GAME,"rules":RULES} as
 * json_dumps(JSON_COMPACT) writes it, for a valid game name and a rules
 * state name (NULL: null). The length, or -1 when it does not fit. */
int isl_ready_frame_text(char *out, size_t size, const char *game, const char *rules);

/* A store write as the worker -> writer frame: {"t":"commit",...} for a
 * put or delete, {"t":"quarantine",...} for a quarantine. A quarantined
 * document that is not UTF-8 travels as "doc_hex". NULL on no memory. */
json_t *isl_write_to_frame(const struct isl_store_write *w, long long seq);

/* The reverse, validated as strictly as client input: 0 and *w (strings
 * borrowed from frame, except *owned, a decoded doc_hex to free), or -1
 * with a message. *seq is set whenever the frame has a valid "seq". */
int isl_write_from_frame(const json_t *frame, struct isl_store_write *w, long long *seq,
                         char **owned, char *err, size_t errlen);

/* A fence names the dead workers of the game (the pids that islandsd saw
 * exit since the game's last worker was ready) so that the writer reads
 * only their connections, not every live one. More than this many, or no
 * list at all, and it reads every connection. */
#define ISL_FENCE_AFTER_MAX 16

/* The "after" member of an adopt or fence frame: absent (NULL), or an
 * array of at most ISL_FENCE_AFTER_MAX pids (integers 1 to INT_MAX). */
bool isl_fence_after_valid(const json_t *after);

/* Set O_NONBLOCK on fd. 0, or -1. */
int isl_set_nonblock(int fd);

#endif
