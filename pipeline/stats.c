#define _POSIX_C_SOURCE 200809L
#include "stats.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void stats_begin(stage_stats_t *st, const char *fmt, ...)
{
    memset(st, 0, sizeof *st);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->name, sizeof st->name, fmt, ap);
    va_end(ap);
    st->start_ns = now_ns();
}

void stats_end(stage_stats_t *st)
{
    st->end_ns = now_ns();
}

chan_status_t stats_recv(stage_stats_t *st, chan_t *c, void *item, done_t *done)
{
    if (st == NULL)
        return chan_recv(c, item, done);
    uint64_t t0 = now_ns();
    chan_status_t r = chan_recv(c, item, done);
    st->starved_ns += now_ns() - t0;
    if (r == CHAN_OK)
        st->items_in++;
    return r;
}

chan_status_t stats_send(stage_stats_t *st, chan_t *c, const void *item, done_t *done)
{
    if (st == NULL)
        return chan_send(c, item, done);
    uint64_t t0 = now_ns();
    chan_status_t r = chan_send(c, item, done);
    st->blocked_ns += now_ns() - t0;
    if (r == CHAN_OK)
        st->items_out++;
    return r;
}

/* Busy time: the thread's life less the time it spent blocked or starved. */
static uint64_t busy_ns(const stage_stats_t *st)
{
    uint64_t life = st->end_ns > st->start_ns ? st->end_ns - st->start_ns : 0;
    uint64_t idle = st->starved_ns + st->blocked_ns;
    return life > idle ? life - idle : 0;
}

void stats_print(FILE *f, const stage_stats_t *rows, size_t n)
{
    fprintf(f, "%-16s %10s %10s %10s %10s %10s\n", "stage", "busy s", "blocked s", "starved s",
            "items in", "items out");
    for (size_t i = 0; i < n; i++) {
        const stage_stats_t *st = &rows[i];
        fprintf(f, "%-16s %10.3f %10.3f %10.3f %10llu %10llu\n", st->name, busy_ns(st) / 1e9,
                st->blocked_ns / 1e9, st->starved_ns / 1e9, (unsigned long long)st->items_in,
                (unsigned long long)st->items_out);
    }
}
