#include "prune.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source.h"

void pruner_init(pruner_t *p)
{
    memset(p, 0, sizeof *p);
    strset_init(&p->expected);
    strset_init(&p->dirs);
}

void pruner_free(pruner_t *p)
{
    strset_free(&p->expected);
    strset_free(&p->dirs);
    for (size_t i = 0; i < p->nunlisted; i++)
        free(p->unlisted[i]);
    free(p->unlisted);
    pruner_init(p);
}

/* Records addr and every folder above it. */
static int expect_addr(pruner_t *p, const char *addr)
{
    if (addr == NULL)
        return 0;
    int added = strset_add(&p->expected, addr);
    if (added != 0)
        return added < 0 ? -1 : 0;
    for (const char *q = addr + strlen(addr) - 1; q > addr; q--) {
        if (*q != '/')
            continue;
        int rc = strset_addn(&p->dirs, addr, (size_t)(q - addr));
        if (rc != 0)
            return rc < 0 ? -1 : 0; /* there already: so are the folders above it */
    }
    return 0;
}

int pruner_expect(pruner_t *p, const task_t *t)
{
    int rc = expect_addr(p, t->fail.dst);
    for (int i = 0; rc == 0 && i < t->nouts; i++)
        rc = expect_addr(p, t->outs[i].dst);
    if (rc != 0)
        p->failed = true;
    return rc;
}

int pruner_unlisted(pruner_t *p, const char *rel)
{
    char **v = realloc(p->unlisted, (p->nunlisted + 1) * sizeof *v);
    char *copy = strdup(rel);
    if (v != NULL)
        p->unlisted = v;
    if (v == NULL || copy == NULL) {
        free(copy);
        p->failed = true;
        return -1;
    }
    v[p->nunlisted++] = copy;
    return 0;
}

/* A scan in progress: what is there, and the orphans found. */
typedef struct {
    const pruner_t *p;
    const prune_cfg_t *cfg;
    bool knows_gone;
    uint64_t present; /* entries in this run's scope */
    char **orphans;
    size_t n, cap;
    bool oom;
} scan_t;

/* True when rel lies where the listing failed. */
static bool unlisted(const pruner_t *p, const char *rel)
{
    for (size_t i = 0; i < p->nunlisted; i++) {
        size_t n = strlen(p->unlisted[i]);
        if (n == 0 || (strncmp(rel, p->unlisted[i], n) == 0 && rel[n] == '/'))
            return true;
    }
    return false;
}

static bool on_entry(void *ctx, const store_entry_t *e)
{
    scan_t *s = ctx;
    const prune_cfg_t *cfg = s->cfg;
    if (cfg->shard_n > 1 && shard_of(e->rel, cfg->shard_n) != cfg->shard_k)
        return true; /* another shard's to judge */
    s->present++;
    bool orphan = e->gone == 1 || (e->gone == -1 && !strset_has(&s->p->expected, e->addr));
    if (!orphan || unlisted(s->p, e->rel))
        return true;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        char **v = realloc(s->orphans, cap * sizeof *v);
        if (v == NULL)
            return !(s->oom = true);
        s->orphans = v;
        s->cap = cap;
    }
    if ((s->orphans[s->n] = strdup(e->addr)) == NULL)
        return !(s->oom = true);
    s->n++;
    return true;
}

static void on_removed(void *ctx, const char *addr, const char *err)
{
    if (err == NULL)
        reporter_removed(ctx, addr, false);
    else
        reporter_failure(ctx, addr, err);
}

void prune_remove(store_t *store, char *const *addrs, size_t n, const strset_t *keep_dirs,
                  reporter_t *rep)
{
    store->ops->remove(store, addrs, n, keep_dirs, on_removed, rep);
}

/* True when removing n of present passes the --prune-max guard. */
static bool within_guard(const prune_cfg_t *cfg, uint64_t n, uint64_t present)
{
    if (cfg->force)
        return true;
    return cfg->max_percent ? n * 100 <= cfg->max * present : n <= cfg->max;
}

void prune_run(pruner_t *p, store_t *store, const thumb_opts_t *o, const prune_cfg_t *cfg,
               reporter_t *rep)
{
    const char *where = cfg->dst;
    if (p->failed) {
        reporter_failure(rep, where, "cannot prune: out of memory while listing; nothing removed");
        return;
    }
    if (store->ops->scan == NULL || store->ops->remove == NULL) {
        reporter_failure(rep, where, "cannot prune: this store cannot be scanned");
        return;
    }
    scan_t s = {.p = p, .cfg = cfg, .knows_gone = store->knows_gone};
    char err[600];
    int rc = store->ops->scan(store, o, cfg->src, on_entry, &s, err, sizeof err);
    if (rc != 0 || s.oom) {
        char why[800];
        snprintf(why, sizeof why, "cannot prune: %s; nothing removed",
                 s.oom ? "out of memory" : err);
        reporter_failure(rep, where, why);
    } else if (!within_guard(cfg, s.n, s.present)) {
        char why[600];
        snprintf(why, sizeof why,
                 "--prune would remove %zu of the %llu thumbnails there (%llu%%), more than "
                 "--prune-max %llu%s allows; nothing removed (is SRC right? --force removes "
                 "them anyway)",
                 s.n, (unsigned long long)s.present,
                 (unsigned long long)(s.present ? s.n * 100 / s.present : 0),
                 (unsigned long long)cfg->max, cfg->max_percent ? "%" : "");
        reporter_failure(rep, where, why);
    } else if (cfg->dry_run) {
        for (size_t i = 0; i < s.n; i++)
            reporter_removed(rep, s.orphans[i], true);
    } else if (s.n > 0) {
        prune_remove(store, s.orphans, s.n, &p->dirs, rep);
    }
    for (size_t i = 0; i < s.n; i++)
        free(s.orphans[i]);
    free(s.orphans);
}
