/* watcher: test helpers that run thumbgen in the background with its manifest on a FIFO and read
 * that manifest line by line as thumbgen writes it, so a test follows what a run does (--watch,
 * or a run held by a test hook) without sleeping or polling. Include after cmocka.h. */
#ifndef CMD_TESTS_WATCHER_H
#define CMD_TESTS_WATCHER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    int out;
    char fifo[256];
    pthread_t guard;
    FILE *manifest;
    char seen[1 << 16]; /* every manifest line read so far */
    size_t nseen;
} watcher_t;

/* The thumbgen of the test in progress (0: none), for a tear-down to kill if the test failed. */
extern pid_t watcher_running;

/* cmocka tear-downs for tests that may fail while a thumbgen runs: kill it (SIGKILL); the second
 * then removes test_dirs (teardown_dirs). */
int watcher_teardown(void **state);
int watcher_teardown_dirs(void **state);

/* Starts argv (NULL-terminated, at most 28 entries) plus "--manifest FIFO", the FIFO made in
 * dir, and opens the manifest (returns once thumbgen has opened it, or has ended). */
void watcher_start(watcher_t *w, const char *dir, char *const *argv);

/* Reads manifest lines until one holds every one of the NULL-terminated needles; fails at the
 * end of the manifest (thumbgen ended). Returns that line (in w->seen). */
const char *expect(watcher_t *w, const char *needle, ...);

/* How many lines read so far hold both a and b. */
int seen_count(const watcher_t *w, const char *a, const char *b);

/* Drains the manifest and reaps thumbgen (after a signal, or once it ends by itself). Returns its
 * exit status; *err (if not NULL) gets its stderr (free it). */
int watcher_finish(watcher_t *w, char **err);

/* SIGINT: the run ends with its summary and status 0 (asserted). Returns stderr (free it). */
char *stop(watcher_t *w);

/* A PNG of w x h in memory (g_free it). */
void *png(int w, int h, size_t *len);

/* Writes a w x h PNG at path: open, write, close. */
void write_png(const char *path, int w, int h);

#endif
