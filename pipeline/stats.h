/* stats: per-thread stage accounting, so a user can see which stage is the bottleneck.
 *
 * Each stage thread owns one stage_stats_t and is its only writer; readers look at it after the
 * thread is joined. Time is split three ways: starved (blocked receiving on an empty input),
 * blocked (blocked sending on a full output) and busy (the rest of the thread's life).
 *
 * Error convention: nothing here fails (stats_recv and stats_send pass on chan_status_t). */
#ifndef PIPELINE_STATS_H
#define PIPELINE_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "chan.h"

typedef struct stage_stats {
    char name[32];
    uint64_t start_ns, end_ns;
    uint64_t starved_ns, blocked_ns;
    uint64_t items_in, items_out;
} stage_stats_t;

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

/* Starts the clock of a thread's stats and names it (printf-style). */
void stats_begin(stage_stats_t *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Stops the clock. */
void stats_end(stage_stats_t *st);

/* chan_recv that adds its waiting time to st->starved_ns and counts a received item. st may be
 * NULL. */
chan_status_t stats_recv(stage_stats_t *st, chan_t *c, void *item, done_t *done);

/* chan_send that adds its waiting time to st->blocked_ns and counts a sent item. st may be NULL. */
chan_status_t stats_send(stage_stats_t *st, chan_t *c, const void *item, done_t *done);

/* Prints a table of rows[0..n) (one per thread) to f: name, busy, blocked, starved, in, out. */
void stats_print(FILE *f, const stage_stats_t *rows, size_t n);

#endif
