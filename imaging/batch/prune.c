#include "batch/prune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/threads.h"
#include "core/claims.h"

void pruner_init(pruner_t *p)
{
    memset(p, 0, sizeof *p);
    hashset_init(&p->expected);
}

/* Frees the n strings of list v, and v. */
static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void scan_free(prune_scan_t *s)
{
    if (s->started) {
        atomic_store(&s->stop, true);
        threads_join(s->thread);
        s->started = false;
    }
    arena_free(&s->names);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

void pruner_free(pruner_t *p)
{
    scan_free(&p->scan);
    hashset_free(&p->expected);
    free_list(p->unlisted, p->nunlisted);
    free_list(p->moved, p->nmoved);
    pruner_init(p);
}

/* Records addr. (Not its folders: one that pruning empties may still be written into by the
 * pipeline, under --watch, and the folder store then makes it again.) */
static int expect_addr(pruner_t *p, const char *addr)
{
    return addr == NULL || hashset_add(&p->expected, addr) == 0 ? 0 : -1;
}

void pruner_expect(pruner_t *p, const task_t *t)
{
    int rc = expect_addr(p, t->fail.dst);
    if (rc == 0)
        rc = expect_addr(p, t->skip_dst);
    for (int i = 0; rc == 0 && i < t->nouts; i++)
        rc = expect_addr(p, t->outs[i].dst);
    if (rc != 0)
        p->failed = true;
}

/* Adds a copy of rel to the list *v of *n; out of memory fails the pruner. */
static void add_rel(pruner_t *p, char ***v, size_t *n, const char *rel)
{
    char **w = realloc(*v, (*n + 1) * sizeof *w);
    char *copy = strdup(rel);
    if (w != NULL)
        *v = w;
    if (w != NULL && copy != NULL)
        w[(*n)++] = copy;
    else
        free(copy), p->failed = true;
}

void pruner_unlisted(pruner_t *p, const char *rel)
{
    add_rel(p, &p->unlisted, &p->nunlisted, rel);
}

void pruner_moved(pruner_t *p, const char *rel)
{
    add_rel(p, &p->moved, &p->nmoved, rel);
}

/* True when rel lies under one of the n folders of v ("": everything). */
static bool under(char *const *v, size_t n, const char *rel)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]);
        if (len == 0 || (strncmp(rel, v[i], len) == 0 && rel[len] == '/'))
            return true;
    }
    return false;
}

/* The scan's callback: keeps a copy of each entry of this shard's. */
static bool on_entry(void *ctx, const store_entry_t *e)
{
    prune_scan_t *s = ctx;
    if (atomic_load(&s->stop))
        return false;
    if (!shard_takes(e->rel, s->cfg->shard_k, s->cfg->shard_n))
        return true; /* another shard's to judge */
    if (!grow(&s->v, s->n, &s->cap, sizeof *s->v))
        return !(s->oom = true);
    size_t na = strlen(e->addr), nr = strlen(e->rel), nw = e->with ? strlen(e->with) + 1 : 0;
    char *copy = arena_alloc(&s->names, na + nr + 2 + nw);
    if (copy == NULL)
        return !(s->oom = true);
    memcpy(copy, e->addr, na + 1);
    memcpy(copy + na + 1, e->rel, nr + 1);
    if (nw > 0)
        memcpy(copy + na + nr + 2, e->with, nw);
    s->v[s->n++] =
        (prune_entry_t){copy, copy + na + 1, e->gone, e->record, nw ? copy + na + nr + 2 : NULL};
    return true;
}

static void *scan_body(void *arg)
{
    prune_scan_t *s = arg;
    s->rc = s->store->ops->scan(s->store, &s->cfg->opts, s->cfg->src, on_entry, s, s->err,
                                sizeof s->err);
    return NULL;
}

/* A scan of store, not begun. */
static void scan_init(prune_scan_t *s, store_t *store, const batch_cfg_t *cfg)
{
    *s = (prune_scan_t){.store = store, .cfg = cfg};
    atomic_init(&s->stop, false);
}

void prune_scan_start(pruner_t *p, store_t *store, const batch_cfg_t *cfg)
{
    prune_scan_t *s = &p->scan;
    scan_init(s, store, cfg);
    if (store->ops->scan != NULL)
        s->started = threads_start(&s->thread, scan_body, s) == 0; /* else: in prune_run */
}

/* Waits for the scan (or makes it, if it was not started): 0 once it holds the whole store. */
static int scan_finish(pruner_t *p, store_t *store, const batch_cfg_t *cfg)
{
    prune_scan_t *s = &p->scan;
    if (s->started) {
        threads_join(s->thread);
        s->started = false;
    } else {
        scan_init(s, store, cfg);
        scan_body(s);
    }
    return s->rc == 0 && !s->oom ? 0 : -1;
}

static void on_removed(void *ctx, const char *addr, const char *err)
{
    if (err == NULL)
        reporter_removed(ctx, addr, false);
    else
        reporter_failure(ctx, NULL, addr, err);
}

void prune_remove(store_t *store, char *const *addrs, size_t n, reporter_t *rep)
{
    store->ops->remove(store, addrs, n, on_removed, rep);
}

/* True when removing n of present passes the --prune-max guard. */
static bool within_guard(const batch_cfg_t *cfg, uint64_t n, uint64_t present)
{
    uint64_t max = cfg->prune_max;
    return cfg->force || (cfg->prune_max_percent ? n * 100 <= max * present : n <= max);
}

void prune_run(pruner_t *p, store_t *store, const batch_cfg_t *cfg, reporter_t *rep)
{
    const char *where = cfg->dst;
    if (p->failed) {
        reporter_failure(rep, NULL, where,
                         "cannot prune: out of memory while listing; nothing removed");
        return;
    }
    if (store->ops->scan == NULL || store->ops->remove == NULL) {
        reporter_failure(rep, NULL, where, "cannot prune: this store cannot be scanned");
        return;
    }
    char **orphans = NULL; /* the scan's error, else out of memory (scanning or here) */
    if (scan_finish(p, store, cfg) != 0 ||
        (orphans = malloc((p->scan.n ? p->scan.n : 1) * sizeof *orphans)) == NULL) {
        char why[800];
        snprintf(why, sizeof why, "cannot prune: %s; nothing removed",
                 p->scan.rc != 0 && !p->scan.oom ? p->scan.err : "out of memory");
        reporter_failure(rep, NULL, where, why);
        scan_free(&p->scan);
        return;
    }
    size_t n = 0;
    /* The guard weighs thumbnails: failure records go with their sources, uncounted (two records
     * beside two thumbnails must not let --prune take every thumbnail as "50%"); so do those
     * under a folder the user moved away. */
    uint64_t present = 0, thumbs = 0;
    size_t kept = 0;   /* orphans where the listing failed */
    size_t unseen = 0; /* bookkeeping (e->with), from the end of orphans */
    for (size_t i = 0; i < p->scan.n; i++) {
        const prune_entry_t *e = &p->scan.v[i];
        bool weighed = !e->record && !under(p->moved, p->nmoved, e->rel);
        bool orphan = e->gone == 1 ||
                      (e->gone == -1 && !hashset_maybe(&p->expected, e->with ? e->with : e->addr));
        present += weighed;
        if (orphan && under(p->unlisted, p->nunlisted, e->rel))
            kept += e->with == NULL;
        else if (orphan && e->with != NULL)
            orphans[p->scan.n - ++unseen] = e->addr;
        else if (orphan) {
            orphans[n++] = e->addr;
            thumbs += weighed;
        }
    }
    if (kept > 0) {
        char note[200];
        snprintf(note, sizeof note,
                 "--prune kept %zu thumbnail%s whose sources may still be there: %s could not be "
                 "listed",
                 kept, kept == 1 ? "" : "s", kept == 1 ? "its folder" : "their folders");
        reporter_note(rep, where, note);
    }
    if (!within_guard(cfg, thumbs, present)) {
        char why[600];
        snprintf(why, sizeof why,
                 "--prune would remove %llu of the %llu thumbnails there (%llu%%), more than "
                 "--prune-max %llu%s allows; nothing removed (is SRC right? --force removes "
                 "them anyway)",
                 (unsigned long long)thumbs, (unsigned long long)present,
                 (unsigned long long)(present ? thumbs * 100 / present : 0),
                 (unsigned long long)cfg->prune_max, cfg->prune_max_percent ? "%" : "");
        reporter_failure(rep, NULL, where, why);
    } else if (cfg->dry_run) {
        for (size_t i = 0; i < n; i++)
            reporter_removed(rep, orphans[i], true);
    } else { /* bookkeeping first: one that cannot be removed now is an orphan still, next time */
        if (unseen > 0)
            store->ops->remove(store, orphans + p->scan.n - unseen, unseen, NULL, NULL);
        if (n > 0)
            prune_remove(store, orphans, n, rep);
    }
    free(orphans);
    scan_free(&p->scan);
}
