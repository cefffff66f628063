#include "batch/bar.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/child.h"
#include "pipeline/stats.h"
#include "pipeline/threads.h"

#define TICK_S 0.2 /* the bar's redraw period */

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

/* Columns text[0..n) takes on a terminal (UTF-8: one a character; a stray byte, one). */
static size_t columns(const char *text, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)text[i] & 0xC0) != 0x80;
    return c;
}

/* The byte offset in s after its first `cols` columns. */
static size_t bytes_for(const char *s, size_t cols)
{
    size_t i = 0;
    for (size_t c = 0; s[i] != '\0'; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && c++ == cols)
            break;
    return i;
}

/* Writes name in at most room columns: whole, or its start and end with "..." between, the end
 * being the file's own name when that leaves the start 4 columns, else two thirds of the room. */
static void put_elided(const char *name, size_t room)
{
    size_t len = strlen(name), cols = columns(name, len);
    if (cols <= room) {
        fputs(name, stderr);
        return;
    }
    if (room < 5) { /* no room for both ends */
        fwrite(name, 1, bytes_for(name, room), stderr);
        return;
    }
    const char *slash = strrchr(name, '/');
    size_t own = slash ? columns(slash + 1, strlen(slash + 1)) : cols;
    size_t tail = own + 3 + 4 <= room ? own : (room - 3) * 2 / 3, head = room - 3 - tail;
    fwrite(name, 1, bytes_for(name, head), stderr);
    fputs("...", stderr);
    fputs(name + bytes_for(name, cols - tail), stderr);
}

/* Draws the status line of --watch, in the terminal's width less one column (the caller holds
 * mu): the longest of its forms that leaves the last source's name 32 columns (or the whole
 * name), else the shortest, the name elided in the middle to fit. */
static void draw_status(reporter_t *r, int cols)
{
    unsigned long long folders = r->folders, files = r->present, made = r->counts[TASK_MADE],
                       removed = r->removed, failed = r->counts[TASK_FAILED];
    char counts[128], rm[48] = "";
    if (r->pruning)
        snprintf(rm, sizeof rm, "%llu removed, ", removed);
    snprintf(counts, sizeof counts, "%llu made, %s%llu failed", made, rm, failed);
    char ev_long[64] = "", ev_short[32] = ""; /* the last source's time and status */
    if (r->last_status != NULL) {
        snprintf(ev_long, sizeof ev_long, "; last: %s %s ", r->last_when, r->last_status);
        snprintf(ev_short, sizeof ev_short, "; %s ", r->last_status);
    }
    char forms[3][256];
    snprintf(forms[0], sizeof forms[0], "watching %llu folders (%llu files); %s%s", folders, files,
             counts, ev_long);
    snprintf(forms[1], sizeof forms[1], "watching %llu files; %s%s", files, counts, ev_short);
    snprintf(forms[2], sizeof forms[2], "%llu files; %s%s", files, counts, ev_short);
    const char *name = r->last_status != NULL ? r->last : "";
    size_t width = cols > 1 ? (size_t)cols - 1 : 0, ncols = columns(name, strlen(name));
    size_t want = ncols < 32 ? ncols : 32;
    int k = 0;
    while (k < 2 && strlen(forms[k]) + want > width)
        k++;
    fputs("\r\033[K", stderr);
    size_t used = strlen(forms[k]);
    if (used >= width) {
        fprintf(stderr, "%.*s", (int)width, forms[k]);
    } else {
        fputs(forms[k], stderr);
        put_elided(name, width - used);
    }
    fflush(stderr);
    r->drawn = true;
}

/* "[#####.....]  45%  450/1000  37.2 images/s  ETA 0:15",
 * or, while the listing goes on, "450/1000+  37.2 images/s", fitted to the terminal's width. */
void bar_draw(reporter_t *r)
{
    if (!r->progress)
        return;
    struct winsize ws;
    int cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
    if (r->status_line) {
        draw_status(r, cols);
        return;
    }
    uint64_t done = 0;
    for (int i = 0; i < TASK_NSTATUS; i++)
        done += r->counts[i];
    double secs = (now_ns() - r->start_ns) / 1e9;
    double rate = secs > 0 ? done / secs : 0;
    /* The total: the lister's once it has finished; before, the counting walk's, or what the
     * lister has found when files appeared since the count ("+": still growing). */
    bool known = r->listing_done || r->has_count;
    bool counted = !r->listing_done && r->has_count && r->counted >= r->found;
    uint64_t total = counted ? r->counted : r->found;
    bool growing = !r->listing_done && !counted;
    char text[160];
    int n = snprintf(text, sizeof text, "%llu/%llu%s  %.1f images/s", (unsigned long long)done,
                     (unsigned long long)total, growing ? "+" : "", rate);
    if (known && rate > 0 && total > done) {
        unsigned long eta = (unsigned long)((total - done) / rate + 0.5);
        snprintf(text + n, sizeof text - (size_t)n, "  ETA %lu:%02lu", eta / 60, eta % 60);
    }
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

/* The progress thread: redraws the bar every TICK_S until stopped. */
static void *ticker(void *arg)
{
    reporter_t *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping && !r->status_line) { /* then: drawn only when something happens */
        bar_draw(r);
        struct timespec at = child_deadline(TICK_S);
        while (!r->stopping && !r->status_line &&
               pthread_cond_timedwait(&r->tick, &r->mu, &at) != ETIMEDOUT)
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
