#include "batch/report.h"

#include <string.h>
#include <time.h>

#include "batch/bar.h"
#include "batch/manifest.h"
#include "pipeline/stats.h"

int reporter_init(reporter_t *r, const char *manifest_path, bool progress, bool quiet)
{
    memset(r, 0, sizeof *r);
    /* The manifest first: when it cannot be created, nothing has started that needs stopping. */
    if (manifest_path != NULL && (r->manifest = manifest_open(manifest_path)) == NULL)
        return -1;
    pthread_mutex_init(&r->mu, NULL);
    r->progress = progress && !quiet;
    r->quiet = quiet;
    r->start_ns = now_ns();
    if (r->progress)
        bar_start(r);
    return 0;
}

/* Work begins, if none was going on (the caller holds mu). */
static void busy(reporter_t *r)
{
    if (r->passes && r->busy_since == 0)
        r->busy_since = now_ns();
}

/* Calls the rest hook if the work is at rest (the caller holds mu). */
static void maybe_rest(reporter_t *r)
{
    if (r->rest != NULL && r->busy_since == 0 && !r->listing_pass)
        r->rest(r->rest_ctx, r->passes_ended);
}

/* The work going on is over, unless a pass is being listed or a source is not settled yet (the
 * caller holds mu). */
static void maybe_idle(reporter_t *r)
{
    if (r->busy_since != 0 && !r->listing_pass && r->settled >= r->found) {
        r->busy_ns += now_ns() - r->busy_since;
        r->busy_since = 0;
        maybe_rest(r);
    }
}

void reporter_changed(reporter_t *r)
{
    pthread_mutex_lock(&r->mu);
    maybe_rest(r);
    pthread_mutex_unlock(&r->mu);
}

/* Once every source the first pass found is settled (the caller holds mu), the status line takes
 * the bar's place. */
static void maybe_pass_over(reporter_t *r)
{
    if (!r->watching || r->status_line || r->settled < r->pass_found)
        return;
    r->status_line = true;
    bar_draw(r); /* (the ticker sees status_line at its next tick, and ends) */
}

/* Writes the "watching" lines due once the passes' sources are settled (the caller holds mu). */
static void maybe_watching(reporter_t *r)
{
    for (; r->watch_lines > 0 && r->settled >= r->watch_after; r->watch_lines--)
        manifest_watching(r->manifest, r->folders);
}

void reporter_found(reporter_t *r)
{
    pthread_mutex_lock(&r->mu);
    busy(r);
    r->found++;
    pthread_mutex_unlock(&r->mu);
}

void reporter_listing_done(reporter_t *r)
{
    pthread_mutex_lock(&r->mu);
    r->listing_done = true;
    bar_draw(r); /* the total is known: the percentage shows at once */
    pthread_mutex_unlock(&r->mu);
}

void reporter_counted(reporter_t *r, uint64_t total)
{
    pthread_mutex_lock(&r->mu);
    r->counted = total;
    r->has_count = true;
    bar_draw(r); /* the total is known: the percentage shows at once */
    pthread_mutex_unlock(&r->mu);
}

void reporter_task(reporter_t *r, const task_t *t)
{
    pthread_mutex_lock(&r->mu);
    r->counts[t->status]++;
    /* (Sources not attempted are told of once, by reporter_full_notice.) */
    if (t->status == TASK_MADE && t->meta.fast > FAST_NONE && t->meta.fast < FAST_PATHS)
        r->fast[t->meta.fast]++; /* (a decoder's word: checked) */
    if (t->status == TASK_FAILED || (t->owner != NULL && !r->quiet)) {
        bar_clear(r);
        fprintf(stderr, "thumbgen: %s: %s\n", t->src, t->error ? t->error : "failed");
    }
    manifest_task(r->manifest, t->src, t, task_status_name(t->status), t->error);
    if (r->gallery != NULL)
        gallery_task(r->gallery, t);
    r->settled++;
    if (r->watching && t->status != TASK_UP_TO_DATE) {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        snprintf(r->last_when, sizeof r->last_when, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
                 tm.tm_sec);
        r->last_status = task_status_name(t->status);
        snprintf(r->last, sizeof r->last, "%s", t->rel);
        bar_draw(r);
    }
    maybe_pass_over(r);
    maybe_watching(r);
    maybe_idle(r);
    pthread_mutex_unlock(&r->mu);
}

void reporter_pass_start(reporter_t *r)
{
    pthread_mutex_lock(&r->mu);
    r->passes = true;
    r->listing_pass = true;
    busy(r);
    pthread_mutex_unlock(&r->mu);
}

void reporter_watching(reporter_t *r, uint64_t folders)
{
    pthread_mutex_lock(&r->mu);
    r->listing_pass = false;
    r->passes_ended++;
    if (!r->watching) {
        r->listing_done = true; /* the first pass's total is known: the bar can reach 100% */
        r->pass_found = r->found;
    }
    r->watching = true;
    r->folders = folders;
    r->watch_lines++;
    r->watch_after = r->found;
    maybe_watching(r);
    maybe_pass_over(r);
    if (r->status_line)
        bar_draw(r);
    maybe_idle(r);
    pthread_mutex_unlock(&r->mu);
}

void reporter_present(reporter_t *r, uint64_t n)
{
    pthread_mutex_lock(&r->mu);
    r->present = n;
    pthread_mutex_unlock(&r->mu);
}

void reporter_would_make(reporter_t *r, const task_t *t)
{
    pthread_mutex_lock(&r->mu);
    r->counts[TASK_MADE]++;
    r->settled++;
    bar_clear(r);
    for (int i = 0; i < t->nouts; i++)
        printf("make %s -> %s\n", t->src, t->outs[i].dst);
    manifest_task(r->manifest, t->src, t, "would_make", NULL);
    pthread_mutex_unlock(&r->mu);
}

void reporter_removed(reporter_t *r, const char *addr, bool dry_run)
{
    pthread_mutex_lock(&r->mu);
    r->removed++;
    if (dry_run) {
        bar_clear(r);
        printf("remove %s\n", addr);
    }
    manifest_removed(r->manifest, addr, dry_run);
    if (r->gallery != NULL && !dry_run)
        gallery_removed(r->gallery, addr);
    maybe_rest(r); /* a removal while nothing else goes on (a source deleted) */
    if (r->status_line)
        bar_draw(r);
    pthread_mutex_unlock(&r->mu);
}

/* reporter_note's line (the caller holds mu). */
static void note(reporter_t *r, const char *path, const char *text)
{
    if (!r->quiet) {
        bar_clear(r);
        fprintf(stderr, "thumbgen: %s: %s\n", path, text);
        bar_draw(r);
    }
}

void reporter_pages(reporter_t *r, const char *dst, unsigned written, unsigned removed)
{
    char text[160];
    snprintf(text, sizeof text, "gallery: %u page%s written, %u removed (open %s)", written,
             written == 1 ? "" : "s", removed, GALLERY_PAGE);
    pthread_mutex_lock(&r->mu);
    note(r, dst, text);
    manifest_pages(r->manifest, written, removed);
    pthread_mutex_unlock(&r->mu);
}

void reporter_note(reporter_t *r, const char *path, const char *text)
{
    pthread_mutex_lock(&r->mu);
    note(r, path, text);
    pthread_mutex_unlock(&r->mu);
}

void reporter_failure(reporter_t *r, const char *src, const char *dst, const char *reason)
{
    pthread_mutex_lock(&r->mu);
    r->counts[TASK_FAILED]++;
    bar_clear(r);
    fprintf(stderr, "thumbgen: %s: %s\n", src != NULL ? src : dst, reason);
    if (src != NULL)
        manifest_task(r->manifest, src, NULL, task_status_name(TASK_FAILED), reason);
    else
        manifest_dst_failure(r->manifest, dst, reason);
    pthread_mutex_unlock(&r->mu);
}

void reporter_full(reporter_t *r, const char *why)
{
    pthread_mutex_lock(&r->mu);
    if (r->full[0] == '\0')
        snprintf(r->full, sizeof r->full, "%s", why);
    pthread_mutex_unlock(&r->mu);
}

void reporter_full_notice(reporter_t *r, const char *dst)
{
    pthread_mutex_lock(&r->mu);
    if (r->full[0] != '\0') {
        bar_clear(r);
        unsigned long long n = r->counts[TASK_NOT_ATTEMPTED];
        fprintf(stderr,
                "thumbgen: %s: the disk is full (%s): %llu source%s not attempted; once there "
                "is room, a rerun makes %s\n",
                dst, r->full, n, n == 1 ? "" : "s", n == 1 ? "it" : "them");
    }
    pthread_mutex_unlock(&r->mu);
}

void reporter_summary(reporter_t *r, bool interrupted)
{
    bar_stop(r);
    pthread_mutex_lock(&r->mu);
    bar_clear(r);
    if (!r->quiet) {
        double secs = (now_ns() - r->start_ns) / 1e9;
        char removed[96] = "";
        if (r->pruning)
            snprintf(removed, sizeof removed, ", %llu %s", (unsigned long long)r->removed,
                     r->dry_run ? "to remove" : "removed");
        if (r->counts[TASK_NOT_ATTEMPTED] > 0)
            snprintf(removed + strlen(removed), sizeof removed - strlen(removed),
                     ", %llu not attempted", (unsigned long long)r->counts[TASK_NOT_ATTEMPTED]);
        unsigned long long *c =
            (unsigned long long[]){r->counts[TASK_MADE], r->counts[TASK_UP_TO_DATE],
                                   r->counts[TASK_SKIPPED], r->counts[TASK_FAILED]};
        char rate[96];
        if (r->watching) { /* over the time spent working, not waiting for changes */
            double work = (r->busy_ns + (r->busy_since ? now_ns() - r->busy_since : 0)) / 1e9;
            snprintf(rate, sizeof rate, "%.1f images/s over %.2f s of work",
                     work > 0 ? c[0] / work : 0.0, work);
        } else {
            snprintf(rate, sizeof rate, "%.1f images/s", secs > 0 ? c[0] / secs : 0.0);
        }
        if (r->dry_run)
            fprintf(stderr,
                    "thumbgen: dry run: %llu to make, %llu up to date, %llu skipped, %llu "
                    "failed%s; nothing was changed%s\n",
                    c[0], c[1], c[2], c[3], removed, interrupted ? ", interrupted" : "");
        else
            fprintf(stderr,
                    "thumbgen: %llu made, %llu up to date, %llu skipped, %llu failed%s in %.2f s "
                    "(%s)%s\n",
                    c[0], c[1], c[2], c[3], removed, secs, rate,
                    interrupted && !r->watching ? ", interrupted" : "");
    }
    pthread_mutex_unlock(&r->mu);
}

int reporter_close(reporter_t *r)
{
    bar_stop(r);
    int rc = manifest_close(r->manifest);
    r->manifest = NULL;
    pthread_mutex_destroy(&r->mu);
    return rc;
}
