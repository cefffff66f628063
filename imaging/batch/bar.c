#include "batch/bar.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/stats.h"
#include "pipeline/threads.h"

#define TICK_NS 200000000u /* the bar's redraw period */

void bar_stop(reporter_t *r)
{
    if (!r->ticking)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_signal(&r->tick);
    pthread_mutex_unlock(&r->mu);
    threads_join(r->ticker);
    pthread_cond_destroy(&r->tick);
    r->ticking = false;
}

void bar_clear(reporter_t *r)
{
    if (r->drawn) {
        fputs("\r\033[K", stderr);
        r->drawn = false;
    }
}

/* Draws the status line of --watch (the caller holds mu). */
static void draw_status(reporter_t *r)
{
    uint64_t files = r->counts[TASK_MADE] + r->counts[TASK_UP_TO_DATE] + r->counts[TASK_SKIPPED];
    struct winsize ws;
    int cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
    char text[400];
    snprintf(text, sizeof text, "watching %llu folders (%llu files); %llu made, %llu failed%s%s",
             (unsigned long long)r->folders, (unsigned long long)files,
             (unsigned long long)r->counts[TASK_MADE], (unsigned long long)r->counts[TASK_FAILED],
             r->last[0] ? "; last: " : "", r->last);
    fprintf(stderr, "\r\033[K%.*s", cols > 1 ? cols - 1 : 0, text);
    fflush(stderr);
    r->drawn = true;
}

/* "[#####.....]  45%  450/1000  37.2 images/s  ETA 0:15",
 * or, while the listing goes on, "450/1000+  37.2 images/s", fitted to the terminal's width. */
void bar_draw(reporter_t *r)
{
    if (!r->progress)
        return;
    if (r->watching) {
        draw_status(r);
        return;
    }
    uint64_t done = r->counts[0] + r->counts[1] + r->counts[2] + r->counts[3];
    double secs = (now_ns() - r->start_ns) / 1e9;
    double rate = secs > 0 ? done / secs : 0;
    /* The total: the lister's once it has finished; before, the counting walk's, or what the
     * lister has found when files appeared since the count ("+": still growing). */
    bool known = r->listing_done || r->has_count;
    uint64_t total = r->found;
    bool growing = !r->listing_done;
    if (!r->listing_done && r->has_count && r->counted >= r->found) {
        total = r->counted;
        growing = false;
    }
    char text[160];
    int n = snprintf(text, sizeof text, "%llu/%llu%s  %.1f images/s", (unsigned long long)done,
                     (unsigned long long)total, growing ? "+" : "", rate);
    if (known && rate > 0 && total > done) {
        unsigned long eta = (unsigned long)((total - done) / rate + 0.5);
        snprintf(text + n, sizeof text - (size_t)n, "  ETA %lu:%02lu", eta / 60, eta % 60);
    }
    struct winsize ws;
    int cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
    fputs("\r\033[K", stderr);
    if (known) {
        unsigned pct = total ? (unsigned)(100 * done / total) : 100;
        if (pct > 100 || (pct == 100 && !r->listing_done))
            pct = r->listing_done ? 100 : 99;      /* never past 100%, nor there before the end */
        int width = cols - (int)strlen(text) - 10; /* "[" bar "]" " 100%  " */
        width = width > 40 ? 40 : width;
        if (width >= 10) {
            int full = (int)(width * pct / 100);
            fputc('[', stderr);
            for (int i = 0; i < width; i++)
                fputc(i < full ? '#' : '.', stderr);
            fputs("] ", stderr);
        }
        fprintf(stderr, "%3u%%  ", pct);
    }
    fprintf(stderr, "%.*s", cols > 1 ? cols - 1 : 0, text);
    fflush(stderr);
    r->drawn = true;
}

/* The progress thread: redraws the bar every TICK_NS until stopped. */
static void *ticker(void *arg)
{
    reporter_t *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        bar_draw(r);
        struct timespec at;
        clock_gettime(CLOCK_MONOTONIC, &at);
        at.tv_nsec += TICK_NS;
        at.tv_sec += at.tv_nsec / 1000000000;
        at.tv_nsec %= 1000000000;
        while (!r->stopping && pthread_cond_timedwait(&r->tick, &r->mu, &at) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

void bar_start(reporter_t *r)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->tick, &ca);
    pthread_condattr_destroy(&ca);
    r->ticking = threads_start(&r->ticker, ticker, r) == 0; /* else: no ticks, nothing lost */
    if (!r->ticking)
        pthread_cond_destroy(&r->tick);
}
