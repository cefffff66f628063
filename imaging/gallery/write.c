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
    if (!ok) {
        g_sub_free(s);
        return NULL;
    }
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

/* Writes f's page, then its state (so that a page that could not be written is tried again). */
static int write_folder(gallery_t *g, const g_folder_t *f, char *err, size_t errsz)
{
    size_t plen = 0, slen = 0;
    char *page = g_addr_of(g, f->rel, GALLERY_PAGE), *state = g_addr_of(g, f->rel, GALLERY_STATE);
    char *html = page_html(f, &g->site, &plen), *text = state_format(f, &g->site, &slen);
    char why[300];
    int rc = -1;
    if (page == NULL || state == NULL || html == NULL || text == NULL)
        snprintf(err, errsz, "%s: out of memory", g->cfg.dst);
    else if (g->store->ops->put(g->store, g->local, NULL, page, html, plen, why, sizeof why) != 0)
        snprintf(err, errsz, "%s: cannot write: %s", page, why);
    else if (g->store->ops->put(g->store, g->local, NULL, state, text, slen, why, sizeof why) != 0)
        snprintf(err, errsz, "%s: cannot write: %s", state, why);
    else
        rc = 0;
    free(page), free(state), free(html), free(text);
    return rc;
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
    if (g->failed) {
        snprintf(err, errsz, "%s: no page written: out of memory", g->cfg.dst);
        rc = -1;
    }
    char why[600];
    for (size_t i = 0; !g->failed && i < g->n; i++) {
        g_folder_t *f = g->list[i];
        if (!f->dirty)
            continue;
        g_thumbs_of(g, f);
        if (f->depth > 0 && f->nthumbs + f->nproblems + f->nsubs == 0) {
            if (!f->stored) {
                f->dirty = false;
                continue;
            }
            char *addrs[] = {g_addr_of(g, f->rel, GALLERY_PAGE),
                             g_addr_of(g, f->rel, GALLERY_STATE)};
            removing_t r = {.err = why, .errsz = sizeof why};
            if (addrs[0] != NULL && addrs[1] != NULL)
                g->store->ops->remove(g->store, addrs, 2, on_removed, &r);
            else
                r.failed = (snprintf(why, sizeof why, "%s: out of memory", g->cfg.dst), true);
            free(addrs[0]), free(addrs[1]);
            if (r.failed && rc == 0)
                snprintf(err, errsz, "%s", why), rc = -1;
            res->removed += !r.failed;
            f->stored = f->dirty = r.failed; /* (one that could not go is tried again) */
        } else if (write_folder(g, f, why, sizeof why) == 0) {
            res->written++;
            f->stored = true;
            f->dirty = false;
        } else if (rc == 0) {
            snprintf(err, errsz, "%s", why);
            rc = -1;
        }
    }
    g->checked |= !g->failed;
    pthread_mutex_unlock(&g->mu);
    return rc;
}
