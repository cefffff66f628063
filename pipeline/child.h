/* child: a helper process started by exec and spoken to over a private socket, supervised by the
 * one thread that started it. The thread sends requests (optionally passing a descriptor), waits
 * for each answer with a deadline that the run's done can cut short (a blocking poll(2), woken by
 * done_fd: never a periodic wake-up), and kills and reaps the child when it misbehaves or is no
 * longer needed. Nothing here knows what the child does.
 *
 * The child is started with posix_spawn (never a bare fork of a threaded process), gets its end of
 * the socket as descriptor CHILD_FD, /dev/null as stdin and stdout, SIGINT and SIGTERM blocked (its
 * parent decides when it dies), and no other descriptor of ours: every descriptor the parent opens
 * must be O_CLOEXEC.
 *
 * Error convention: functions return 0 or an errno value; child_recv returns a child_io_t. */
#ifndef PIPELINE_CHILD_H
#define PIPELINE_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "done.h"

#define CHILD_FD 3 /* the child's end of the socket */

typedef struct child {
    pid_t pid; /* 0 when there is no child */
    int sock;  /* the parent's end; -1 when there is no child */
} child_t;

typedef enum {
    CHILD_OK,        /* the bytes arrived */
    CHILD_GONE,      /* the child closed its end or died (reap it to learn how) */
    CHILD_TIMEOUT,   /* the deadline passed first */
    CHILD_CANCELLED, /* the done fired first */
} child_io_t;

/* An empty handle. */
void child_init(child_t *c);

/* Starts exe with argv and envp (NULL: this process's environment), its stderr on stderr_fd (-1:
 * inherited). Returns 0, or an errno value (the handle stays empty). */
int child_spawn(child_t *c, const char *exe, char *const argv[], char *const envp[], int stderr_fd);

/* True while a child is started and not yet reaped. */
bool child_running(const child_t *c);

/* Sends len bytes, passing pass_fd (a descriptor the child receives as its own; -1: none) with the
 * first byte. Returns 0 or an errno value (EPIPE: the child is gone). */
int child_send(child_t *c, const void *buf, size_t len, int pass_fd);

/* Reads exactly len bytes of the child's answer, giving up at deadline (CLOCK_MONOTONIC; NULL: no
 * deadline) or when done fires (NULL: never). */
child_io_t child_recv(child_t *c, void *buf, size_t len, const struct timespec *deadline,
                      done_t *done);

/* Ends the child: SIGKILL if it still runs, then waits for it. Returns its wait status (as
 * waitpid's), or -1 if there was none. The handle is empty afterwards. */
int child_reap(child_t *c);

/* Like child_reap, but first gives a child that has already closed its end time to finish by
 * itself, so that its own exit status or signal is what is returned (how it crashed). */
int child_reap_exited(child_t *c);

/* A deadline `seconds` from now on CLOCK_MONOTONIC. */
struct timespec child_deadline(double seconds);

/* ---- the child's side */

/* Reads exactly len bytes from fd; if passed_fd is not NULL it receives a descriptor sent with
 * them (-1 if none). Returns 0, or an errno value (EPIPE at end of file). */
int child_read(int fd, void *buf, size_t len, int *passed_fd);

/* (Writes: fd_write_full, in fdio.h.) */

#endif
