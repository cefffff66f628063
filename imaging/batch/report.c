#include "batch/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/stats.h"
#include "pipeline/threads.h"

#define TICK_NS 200000000u /* the bar's redraw period */

static void draw_bar(reporter_t *r);

/* The progress thread: redraws the bar every TICK_NS until stopped. */
static void *ticker(void *arg)
{
    reporter_t *r = arg;
    pthread_mutex_lock(&r->mu);
    while (!r->stopping) {
        draw_bar(r);
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

/* Stops and joins the progress thread, if it runs. */
static void stop_ticker(reporter_t *r)
{
    if (!r->ticking)
        return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_signal(&r->tick);
    pthread_mutex_unlock(&r->mu);
    threads_join(r->ticker);
    r->ticking = false;
}

int reporter_init(reporter_t *r, const char *manifest_path, bool progress, bool quiet)
{
    memset(r, 0, sizeof *r);
    /* The manifest first: when it cannot be created, nothing has started that needs stopping. */
    if (manifest_path != NULL) {
        r->manifest = fopen(manifest_path, "w");
        if (r->manifest == NULL)
            return -1;
        /* A line per source as it settles, so the manifest can be followed live (tail -f, a pipe)
         * and says how far an interrupted run got. One write per image is noise next to a decode.
         */
        setvbuf(r->manifest, NULL, _IOLBF, 0);
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->tick, &ca);
    pthread_condattr_destroy(&ca);
    r->progress = progress && !quiet;
    r->quiet = quiet;
    r->start_ns = now_ns();
    if (r->progress)
        r->ticking = threads_start(&r->ticker, ticker, r) == 0; /* else: no bar, nothing lost */
    return 0;
}

/* Writes s as a JSON string. Bytes that are not valid UTF-8 (file names may hold any) are written
 * as \u00XX so the line stays valid JSON. */
static void json_str(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        int n = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool valid = n > 0;
        for (int k = 1; valid && k < n; k++)
            valid = (p[k] & 0xC0) == 0x80;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c < 0x20) {
            fprintf(f, "\\u%04x", c);
        } else if (c < 0x80) {
            fputc(c, f);
        } else if (valid) {
            fwrite(p, 1, (size_t)n, f);
            p += n;
            continue;
        } else {
            fprintf(f, "\\u%04x", c);
        }
        p++;
    }
    fputc('"', f);
}

static void out_fields(FILE *f, const thumb_out_t *o, bool made)
{
    fputs("\"dst\":", f);
    json_str(f, o->dst);
    if (made)
        fprintf(f, ",\"width\":%d,\"height\":%d,\"bytes\":%zu", o->width, o->height, o->len);
    else
        fputs(",\"width\":null,\"height\":null,\"bytes\":null", f);
}

static void manifest_line(reporter_t *r, const char *src, const task_t *t, task_status_t st,
                          const char *err)
{
    FILE *f = r->manifest;
    if (f == NULL)
        return;
    fputs("{\"src\":", f);
    json_str(f, src);
    fputs(",\"status\":", f);
    json_str(f, r->dry_run && st == TASK_MADE ? "would_make" : task_status_name(st));
    fputc(',', f);
    if (t != NULL && t->nouts > 0) {
        out_fields(f, &t->outs[0], st == TASK_MADE);
        if (t->nouts > 1) {
            fputs(",\"outputs\":[", f);
            for (int i = 0; i < t->nouts; i++) {
                fputs(i ? ",{" : "{", f);
                out_fields(f, &t->outs[i], st == TASK_MADE);
                fputc('}', f);
            }
            fputc(']', f);
        }
    } else {
        fputs("\"dst\":null,\"width\":null,\"height\":null,\"bytes\":null", f);
    }
    fputs(",\"error\":", f);
    json_str(f, err);
    if (t != NULL && t->video)
        fprintf(f, ",\"kind\":\"video\",\"duration\":%.3f", t->duration);
    if (t != NULL && t->owner != NULL) {
        fputs(",\"reason\":\"name clash\",\"owner\":", f);
        json_str(f, t->owner);
    }
    fputs("}\n", f);
}

static void clear_bar(reporter_t *r)
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

/* Draws the bar (the caller holds mu): "[#####.....]  45%  450/1000  37.2 images/s  ETA 0:15",
 * or, while the listing goes on, "450/1000+  37.2 images/s", fitted to the terminal's width. */
static void draw_bar(reporter_t *r)
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

void reporter_found(reporter_t *r)
{
    pthread_mutex_lock(&r->mu);
    r->found++;
    pthread_mutex_unlock(&r->mu);
}

void reporter_listing_done(reporter_t *r)
{
    pthread_mutex_lock(&r->mu);
    r->listing_done = true;
    draw_bar(r); /* the total is known: the percentage shows at once */
    pthread_mutex_unlock(&r->mu);
}

void reporter_counted(reporter_t *r, uint64_t total)
{
    pthread_mutex_lock(&r->mu);
    r->counted = total;
    r->has_count = true;
    draw_bar(r); /* the total is known: the percentage shows at once */
    pthread_mutex_unlock(&r->mu);
}

void reporter_task(reporter_t *r, const task_t *t)
{
    pthread_mutex_lock(&r->mu);
    r->counts[t->status]++;
    if (t->status == TASK_FAILED || (t->owner != NULL && !r->quiet)) {
        clear_bar(r);
        fprintf(stderr, "thumbgen: %s: %s\n", t->src, t->error ? t->error : "failed");
    }
    manifest_line(r, t->src, t, t->status, t->error);
    if (r->watching && t->status != TASK_UP_TO_DATE) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        snprintf(r->last, sizeof r->last, "%02d:%02d:%02d %s %s", tm.tm_hour, tm.tm_min, tm.tm_sec,
                 task_status_name(t->status), t->rel);
        draw_bar(r);
    }
    pthread_mutex_unlock(&r->mu);
}

void reporter_watching(reporter_t *r, uint64_t folders)
{
    stop_ticker(r);
    pthread_mutex_lock(&r->mu);
    r->watching = true;
    r->folders = folders;
    if (r->manifest != NULL)
        fprintf(r->manifest, "{\"src\":null,\"status\":\"watching\",\"folders\":%llu}\n",
                (unsigned long long)folders);
    draw_bar(r);
    pthread_mutex_unlock(&r->mu);
}

void reporter_would_make(reporter_t *r, const task_t *t)
{
    pthread_mutex_lock(&r->mu);
    r->counts[TASK_MADE]++;
    clear_bar(r);
    for (int i = 0; i < t->nouts; i++)
        printf("make %s -> %s\n", t->src, t->outs[i].dst);
    manifest_line(r, t->src, t, TASK_MADE, NULL);
    pthread_mutex_unlock(&r->mu);
}

void reporter_removed(reporter_t *r, const char *addr, bool dry_run)
{
    pthread_mutex_lock(&r->mu);
    r->removed++;
    if (dry_run) {
        clear_bar(r);
        printf("remove %s\n", addr);
    }
    if (r->manifest != NULL) {
        fprintf(r->manifest,
                "{\"src\":null,\"status\":\"%s\",\"dst\":", dry_run ? "would_remove" : "removed");
        json_str(r->manifest, addr);
        fputs("}\n", r->manifest);
    }
    pthread_mutex_unlock(&r->mu);
}

void reporter_note(reporter_t *r, const char *path, const char *text)
{
    pthread_mutex_lock(&r->mu);
    if (!r->quiet) {
        clear_bar(r);
        fprintf(stderr, "thumbgen: %s: %s\n", path, text);
        draw_bar(r);
    }
    pthread_mutex_unlock(&r->mu);
}

void reporter_failure(reporter_t *r, const char *path, const char *reason)
{
    pthread_mutex_lock(&r->mu);
    r->counts[TASK_FAILED]++;
    clear_bar(r);
    fprintf(stderr, "thumbgen: %s: %s\n", path, reason);
    manifest_line(r, path, NULL, TASK_FAILED, reason);
    pthread_mutex_unlock(&r->mu);
}

void reporter_summary(reporter_t *r, bool interrupted)
{
    stop_ticker(r);
    pthread_mutex_lock(&r->mu);
    clear_bar(r);
    if (!r->quiet) {
        double secs = (now_ns() - r->start_ns) / 1e9;
        char removed[64] = "";
        if (r->pruning)
            snprintf(removed, sizeof removed, ", %llu %s", (unsigned long long)r->removed,
                     r->dry_run ? "to remove" : "removed");
        unsigned long long *c =
            (unsigned long long[]){r->counts[TASK_MADE], r->counts[TASK_UP_TO_DATE],
                                   r->counts[TASK_SKIPPED], r->counts[TASK_FAILED]};
        if (r->dry_run)
            fprintf(stderr,
                    "thumbgen: dry run: %llu to make, %llu up to date, %llu skipped, %llu "
                    "failed%s; nothing was changed%s\n",
                    c[0], c[1], c[2], c[3], removed, interrupted ? ", interrupted" : "");
        else
            fprintf(stderr,
                    "thumbgen: %llu made, %llu up to date, %llu skipped, %llu failed%s in %.2f s "
                    "(%.1f images/s)%s\n",
                    c[0], c[1], c[2], c[3], removed, secs, secs > 0 ? c[0] / secs : 0.0,
                    interrupted && !r->watching ? ", interrupted" : "");
    }
    pthread_mutex_unlock(&r->mu);
}

int reporter_close(reporter_t *r)
{
    stop_ticker(r);
    int rc = 0;
    if (r->manifest != NULL) {
        rc = ferror(r->manifest) ? -1 : 0;
        if (fclose(r->manifest) != 0)
            rc = -1;
        r->manifest = NULL;
    }
    pthread_cond_destroy(&r->tick);
    pthread_mutex_destroy(&r->mu);
    return rc;
}
