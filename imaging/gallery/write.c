/* gallery_write: the folders that changed tell their parents what they now show, deepest first,
 * and each one's page and state are written through the store (or removed, left with nothing). */
#include "gallery/gallery.h"

#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gallery/model.h"
#include "gallery/tree.h"

typedef struct {
    const g_thumb_t *first; /* by source name */
    g_problem_t **stale;    /* problems the pass did not settle */
    unsigned pass;
    size_t nstale;
} walk_t;

static void first_thumb(const void *node, VISIT which, void *ctx)
{
    walk_t *w = ctx;
    const g_thumb_t *t = *(g_thumb_t *const *)node;
    if ((which == postorder || which == leaf) &&
        (w->first == NULL || strcmp(t->src, w->first->src) < 0 ||
         (strcmp(t->src, w->first->src) == 0 && strcmp(t->key, w->first->key) < 0)))
        w->first = t;
}

static void unseen(const void *node, VISIT which, void *ctx)
{
    walk_t *w = ctx;
    g_problem_t *p = *(g_problem_t *const *)node;
    if ((which == postorder || which == leaf) && p->seen < w->pass)
        w->stale[w->nstale++] = p;
}

/* What f's parent shows of it: its thumbnails and problems, its subfolders' included, and its
 * cover (its first thumbnail by source name, else its first subfolder's cover). */
static g_sub_t *summary(gallery_t *g, const g_folder_t *f)
{
    g_sub_t *s = calloc(1, sizeof *s);
    if (s == NULL || (s->name = strdup(g_base_name(f->rel))) == NULL) {
        g_sub_free(s);
        return NULL;
    }
    s->count = f->nthumbs;
    s->problems = f->nproblems;
    bool ok = true;
    g_sub_t **subs = (g_sub_t **)g_items(f->subs, f->nsubs, &ok);
    for (size_t i = 0; ok && i < f->nsubs; i++) {
        s->count += subs[i]->count;
        s->problems += subs[i]->problems;
    }
    walk_t w = {0};
    twalk_r(f->thumbs, first_thumb, &w);
    if (w.first != NULL) {
        int k = g_smallest(w.first);
        s->cover = g_out_path(&g->site, f->rel, w.first, k);
        s->cw = w.first->outs[k].w;
        s->ch = w.first->outs[k].h;
        snprintf(s->hash, sizeof s->hash, "%s", g_painted_hash(&g->site, w.first));
        ok = ok && s->cover != NULL;
    }
    for (size_t i = 0; ok && w.first == NULL && s->cover == NULL && i < f->nsubs; i++) {
        if (subs[i]->cover == NULL)
            continue;
        ok = (s->cover = strdup(subs[i]->cover)) != NULL;
        s->cw = subs[i]->cw;
        s->ch = subs[i]->ch;
        memcpy(s->hash, subs[i]->hash, sizeof s->hash);
    }
    free(subs);
    if (!ok)
        g_sub_free(s), s = NULL;
    return s;
}

static bool same_sub(const g_sub_t *a, const g_sub_t *b)
{
    bool covers = a->cover == NULL || b->cover == NULL
                      ? a->cover == b->cover
                      : strcmp(a->cover, b->cover) == 0 && a->cw == b->cw && a->ch == b->ch &&
                            strcmp(a->hash, b->hash) == 0;
    return a->count == b->count && a->problems == b->problems && covers;
}

/* Tells f's parent what f now shows. */
static void tell_parent(gallery_t *g, g_folder_t *f)
{
    g_thumbs_of(g, f);
    const char *slash = strrchr(f->rel, '/');
    g_folder_t *parent = g_folder_at(g, f->rel, slash ? (size_t)(slash - f->rel) : 0);
    g_sub_t *s = parent ? summary(g, f) : NULL;
    if (s == NULL) {
        g->failed = true;
        return;
    }
    void **slot = tfind(s, &parent->subs, g_sub_cmp);
    g_sub_t *old = slot ? *slot : NULL;
    if (s->count + s->problems == 0) { /* nothing to show: no link to it */
        if (old != NULL)
            g_del(&parent->subs, &parent->nsubs, s, g_sub_cmp, g_sub_free), parent->dirty = true;
        g_sub_free(s);
    } else if (old != NULL && same_sub(old, s)) {
        g_sub_free(s);
    } else {
        g_put(&parent->subs, &parent->nsubs, s, g_sub_cmp, g_sub_free);
        parent->dirty = true;
    }
}

typedef struct {
    char *err;
    size_t errsz;
    bool failed;
} removing_t;

static void on_removed(void *ctx, const char *addr, const char *why)
{
    removing_t *r = ctx;
    if (why != NULL && !r->failed)
        snprintf(r->err, r->errsz, "%s: cannot remove: %s", addr, why);
    r->failed |= why != NULL;
}

/* At most this many pages, or about this many bytes of pages and states, rendered at a time. */
#define JOBS_MAX 64
#define JOBS_BYTES (8u << 20)

/* One folder's page and state, rendered under the gallery's mutex and then written (page first,
 * so that a page that could not be written is tried again) or removed outside it. */
typedef struct {
    g_folder_t *f;
    bool remove;   /* left with nothing to show: its page and state go */
    char *addr[2]; /* the page's and the state's */
    char *body[2]; /* what they hold (not for a removal) */
    size_t len[2];
    char why[600]; /* "" while it went well */
} job_t;

static void job_free(job_t *j)
{
    for (int k = 0; k < 2; k++)
        free(j->addr[k]), free(j->body[k]);
}

/* Renders f's job (g->mu held); false, with j->why, when out of memory. */
static bool job_render(gallery_t *g, g_folder_t *f, bool remove, job_t *j)
{
    *j = (job_t){.f = f, .remove = remove};
    j->addr[0] = g_addr_of(g, f->rel, GALLERY_PAGE);
    j->addr[1] = g_addr_of(g, f->rel, GALLERY_STATE);
    if (!remove) {
        j->body[0] = page_html(f, &g->site, &j->len[0]);
        j->body[1] = state_format(f, &g->site, &j->len[1]);
    }
    bool ok = j->addr[0] && j->addr[1] && (remove || (j->body[0] && j->body[1]));
    if (!ok)
        snprintf(j->why, sizeof j->why, "%s: out of memory", g->cfg.dst);
    return ok;
}

/* Does j through the store (no lock held: gallery_write's calls never overlap, and it uses its
 * own connection). */
static void job_run(gallery_t *g, job_t *j)
{
    char why[300];
    if (j->remove) {
        removing_t r = {.err = j->why, .errsz = sizeof j->why};
        g->store->ops->remove(g->store, j->addr, 2, on_removed, &r);
        return;
    }
    for (int k = 0; k < 2; k++)
        if (g->store->ops->put(g->store, g->writing, NULL, j->addr[k], j->body[k], j->len[k], why,
                               sizeof why) != 0) {
            snprintf(j->why, sizeof j->why, "%s: cannot write: %s", j->addr[k], why);
            return;
        }
}

int gallery_write(gallery_t *g, unsigned complete, gallery_result_t *res, char *err, size_t errsz)
{
    *res = (gallery_result_t){0};
    pthread_mutex_lock(&g->mu);
    bool look = complete || !g->checked; /* for pages deleted while their state stays */
    bool force = g->cfg.force && !g->checked;
    g_folder_t *root = g_folder_at(g, "", 0);
    if (root != NULL && !root->stored)
        root->dirty = true; /* the top page is always there */
    /* Every ancestor of a folder the run touched is loaded too (a folder with no sources of its
     * own is not, by the listing), so that each of their pages is looked for below. */
    for (size_t i = 0; i < g->n; i++) /* (g->n grows: the ancestors are appended) */
        for (const char *r = g->list[i]->rel, *p = strrchr(r, '/'); p != NULL;
             p = p > r ? memrchr(r, '/', (size_t)(p - r)) : NULL)
            g_folder_at(g, r, (size_t)(p - r));
    int maxdepth = 0;
    for (size_t i = 0; i < g->n; i++) {
        g_folder_t *f = g->list[i];
        /* A page deleted while its state stays is written again (one stat or listing a page). */
        if (f->stored && !f->dirty && !force && look) {
            char *page = g_addr_of(g, f->rel, GALLERY_PAGE), why[300];
            f->dirty = page == NULL ||
                       g->store->ops->get(g->store, g->local, page, NULL, NULL, why, sizeof why);
            free(page);
        }
        maxdepth = f->depth > maxdepth ? f->depth : maxdepth;
        f->dirty |= force;
        /* After a listing of all of SRC, a failure or clash not settled again is gone. */
        walk_t w = {.stale = complete ? malloc((f->nproblems + 1) * sizeof *w.stale) : NULL,
                    .pass = complete};
        g->failed |= complete && w.stale == NULL;
        if (w.stale != NULL)
            twalk_r(f->problems, unseen, &w);
        for (size_t k = 0; k < w.nstale; k++)
            g_del(&f->problems, &f->nproblems, w.stale[k], g_problem_cmp, g_problem_free);
        f->dirty |= w.nstale > 0;
        free(w.stale);
    }
    /* Deepest first, so that each parent hears from all its changed children before its own. */
    for (int d = maxdepth; d > 0 && !g->failed; d--)
        for (size_t i = 0; i < g->n; i++)
            if (g->list[i]->depth == d && g->list[i]->dirty)
                tell_parent(g, g->list[i]);
    int rc = 0;
    /* What is written now is what its parents were told of above: the folders dirty now. Each is
     * rendered here and written with the mutex let go, so that events (and the writers settling
     * them) never wait for the store; one that changes meanwhile is dirty again, for the next
     * write (which tells its parent). A batch at a time, so that memory holds a few pages, not
     * the whole gallery's. */
    size_t due = g->failed ? 0 : g->n;
    for (size_t i = 0; i < due; i++) {
        g->list[i]->due = g->list[i]->dirty;
        g->list[i]->dirty = false;
    }
    job_t *jobs = g->failed ? NULL : malloc(JOBS_MAX * sizeof *jobs);
    if (jobs == NULL) { /* out of memory, before or just now */
        snprintf(err, errsz, "%s: no page written: out of memory", g->cfg.dst);
        rc = -1;
        for (size_t i = 0; i < due; i++)
            g->list[i]->dirty |= g->list[i]->due;
    }
    for (size_t i = 0; jobs != NULL && i < due;) {
        size_t n = 0, bytes = 0;
        for (; i < due && n < JOBS_MAX && bytes < JOBS_BYTES; i++) {
            g_folder_t *f = g->list[i];
            if (!f->due)
                continue;
            f->due = false;
            g_thumbs_of(g, f);
            if (g->failed) { /* out of memory (meanwhile, or just now): nothing more is written */
                f->dirty = true;
                continue;
            }
            bool empty = f->depth > 0 && f->nthumbs + f->nproblems + f->nsubs == 0;
            if (empty && !f->stored)
                continue;
            f->dirty |= !job_render(g, f, empty, &jobs[n]); /* (out of memory: tried again) */
            bytes += jobs[n].len[0] + jobs[n].len[1];
            n++;
        }
        pthread_mutex_unlock(&g->mu);
        for (size_t k = 0; k < n; k++)
            if (jobs[k].why[0] == '\0')
                job_run(g, &jobs[k]);
        pthread_mutex_lock(&g->mu);
        for (size_t k = 0; k < n; k++) {
            job_t *j = &jobs[k];
            if (j->why[0] != '\0') {
                j->f->dirty = true; /* tried again by the next write */
                if (rc == 0)
                    snprintf(err, errsz, "%s", j->why), rc = -1;
            } else {
                j->f->stored = !j->remove;
                res->written += !j->remove;
                res->removed += j->remove;
            }
            job_free(j);
        }
    }
    free(jobs);
    if (g->failed && rc == 0) {
        snprintf(err, errsz, "%s: pages not all written: out of memory", g->cfg.dst);
        rc = -1;
    }
    g->checked |= !g->failed;
    pthread_mutex_unlock(&g->mu);
    return rc;
}
