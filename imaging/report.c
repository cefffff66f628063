#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

int reporter_init(reporter_t *r, const char *manifest_path, bool progress, bool quiet)
{
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->progress = progress && !quiet;
    r->quiet = quiet;
    r->start_ns = now_ns();
    if (manifest_path != NULL) {
        r->manifest = fopen(manifest_path, "w");
        if (r->manifest == NULL)
            return -1;
        /* A line per source as it settles, so the manifest can be followed live (tail -f, a pipe)
         * and says how far an interrupted run got. One write per image is noise next to a decode.
         */
        setvbuf(r->manifest, NULL, _IOLBF, 0);
    }
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
    json_str(f, task_status_name(st));
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
    fputs("}\n", f);
}

static void clear_bar(reporter_t *r)
{
    if (r->drawn) {
        fputs("\r\033[K", stderr);
        r->drawn = false;
    }
}

static void draw_bar(reporter_t *r, bool force)
{
    if (!r->progress)
        return;
    uint64_t now = now_ns();
    if (!force && now - r->last_draw_ns < 100000000u)
        return;
    r->last_draw_ns = now;
    uint64_t done = r->counts[0] + r->counts[1] + r->counts[2] + r->counts[3];
    double secs = (now - r->start_ns) / 1e9;
    double rate = secs > 0 ? r->counts[TASK_MADE] / secs : 0;
    fprintf(stderr, "\r\033[K%llu/%llu%s  %.1f images/s", (unsigned long long)done,
            (unsigned long long)r->found, r->listing_done ? "" : "+", rate);
    if (r->listing_done && rate > 0 && r->found > done)
        fprintf(stderr, "  ETA %.0f s", (r->found - done) / rate);
    fflush(stderr);
    r->drawn = true;
}

void reporter_found(reporter_t *r)
{
    pthread_mutex_lock(&r->mu);
    r->found++;
    draw_bar(r, false);
    pthread_mutex_unlock(&r->mu);
}

void reporter_listing_done(reporter_t *r)
{
    pthread_mutex_lock(&r->mu);
    r->listing_done = true;
    draw_bar(r, false);
    pthread_mutex_unlock(&r->mu);
}

void reporter_task(reporter_t *r, const task_t *t)
{
    pthread_mutex_lock(&r->mu);
    r->counts[t->status]++;
    if (t->status == TASK_FAILED) {
        clear_bar(r);
        fprintf(stderr, "thumbgen: %s: %s\n", t->src, t->error ? t->error : "failed");
    }
    manifest_line(r, t->src, t, t->status, t->error);
    draw_bar(r, false);
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
    pthread_mutex_lock(&r->mu);
    clear_bar(r);
    if (!r->quiet) {
        double secs = (now_ns() - r->start_ns) / 1e9;
        fprintf(stderr,
                "thumbgen: %llu made, %llu up to date, %llu skipped, %llu failed in %.2f s "
                "(%.1f images/s)%s\n",
                (unsigned long long)r->counts[TASK_MADE],
                (unsigned long long)r->counts[TASK_UP_TO_DATE],
                (unsigned long long)r->counts[TASK_SKIPPED],
                (unsigned long long)r->counts[TASK_FAILED], secs,
                secs > 0 ? r->counts[TASK_MADE] / secs : 0.0, interrupted ? ", interrupted" : "");
    }
    pthread_mutex_unlock(&r->mu);
}

int reporter_close(reporter_t *r)
{
    int rc = 0;
    if (r->manifest != NULL) {
        rc = ferror(r->manifest) ? -1 : 0;
        if (fclose(r->manifest) != 0)
            rc = -1;
        r->manifest = NULL;
    }
    pthread_mutex_destroy(&r->mu);
    return rc;
}
