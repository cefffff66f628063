#include "batch/lister.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/naming.h"
#include "core/task.h"

uint32_t shard_of(const char *rel, uint32_t n)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a, 64 bits */
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return n > 1 ? (uint32_t)(h % n) : 0;
}

void src_file_init(src_file_t *f, const lister_t *l, char *path, size_t rel_off, size_t name_off,
                   const struct timespec *mtime, uint64_t size)
{
    f->path = path;
    f->rel_off = rel_off;
    f->name = path + name_off;
    const thumb_opts_t *o = l->opts;
    f->key = output_path_named(".", NULL, f->name, o->name[0] ? o->name : NULL, o->sizes[0].label,
                               format_ext(o->format));
    f->owner = NULL;
    f->mtime = *mtime;
    f->size = size;
}

void src_file_free(src_file_t *f)
{
    free(f->key);
    free(f->path);
    f->key = f->path = NULL;
}

void lister_failure(lister_t *l, const char *path, const char *unlisted, const char *reason)
{
    reporter_failure(l->rep, path, reason);
    if (unlisted != NULL && l->prune != NULL)
        pruner_unlisted(l->prune, unlisted);
}

/* True when --prune needs the addresses of listed sources (a mirrored store). */
static bool expecting(const lister_t *l)
{
    return l->prune != NULL && !l->store->knows_gone;
}

/* A task for the source at path, its outputs named by the store: NULL when out of memory (said);
 * *named false, with the reason in err, when the store cannot name them. */
static task_t *named_task(lister_t *l, const char *path, size_t rel_off, bool *named, char *err,
                          size_t errsz)
{
    task_t *t = task_new(path, rel_off);
    if (t == NULL) {
        reporter_failure(l->rep, path, "out of memory");
        return NULL;
    }
    t->nouts = l->opts->nsizes;
    *named = l->store->ops->name(l->store, t, l->opts, err, errsz) == 0;
    return t;
}

/* Records the addresses of a file that is not to be made here (another shard's, skipped). */
static void expect_file(lister_t *l, const src_file_t *f)
{
    if (!expecting(l))
        return;
    bool named;
    char err[300];
    task_t *t = named_task(l, f->path, f->rel_off, &named, err, sizeof err);
    if (t == NULL)
        l->prune->failed = true;
    else if (named) /* (unnameable: it has no output to keep) */
        pruner_expect(l->prune, t);
    task_free(t);
}

/* Reports a task settled here and frees it. */
static void settle(lister_t *l, task_t *t)
{
    reporter_task(l->rep, t);
    task_free(t);
}

/* Reports f skipped, for the reason why (and, for a name clash, the owner of its name). */
static void skip(lister_t *l, const src_file_t *f, const char *owner, const char *why)
{
    task_t *t = task_new(f->path, f->rel_off);
    if (t == NULL || (owner != NULL && (t->owner = strdup(owner)) == NULL)) {
        task_free(t);
        reporter_failure(l->rep, f->path, "out of memory");
        return;
    }
    task_fail(t, TASK_SKIPPED, "%s", why);
    settle(l, t);
}

/* Builds the task for a file; settles it here if up to date, known to fail, or unnameable.
 * Returns the task to emit, or NULL when there is nothing to emit. */
static task_t *file_task(lister_t *l, const src_file_t *f)
{
    bool named;
    char err[300];
    task_t *t = named_task(l, f->path, f->rel_off, &named, err, sizeof err);
    if (t == NULL)
        return NULL;
    const store_ops_t *ops = l->store->ops;
    t->mtime = f->mtime;
    t->size = f->size;
    if (!named) {
        task_fail(t, TASK_FAILED, "cannot name its thumbnail: %s", err);
        settle(l, t);
        return NULL;
    }
    if (expecting(l))
        pruner_expect(l->prune, t);
    bool up_to_date = !l->force;
    for (int i = 0; up_to_date && i < t->nouts; i++)
        up_to_date = ops->fresh(l->store, t, i);
    if (up_to_date) {
        t->status = TASK_UP_TO_DATE;
        settle(l, t);
        return NULL;
    }
    if (!l->force && ops->failed_before != NULL && ops->failed_before(l->store, t)) {
        task_fail(t, TASK_FAILED,
                  "failed before and has not changed since (failure entry %s; --force tries "
                  "again)",
                  t->fail.dst);
        settle(l, t);
        return NULL;
    }
    return t;
}

static int by_ent_name(const void *a, const void *b)
{
    return strcmp(((const src_file_t *)a)->name, ((const src_file_t *)b)->name);
}

/* The clash rule: for one output name, a source with an image extension beats one without, then
 * the one that sorts first byte by byte wins. Nothing about timing, -j or clocks enters it. Files
 * with no output name sort last and claim nothing. */
static int by_claim(const void *a, const void *b)
{
    const src_file_t *x = a, *y = b;
    if (x->key == NULL || y->key == NULL)
        return (x->key == NULL) - (y->key == NULL);
    int k = strcmp(x->key, y->key);
    if (k != 0)
        return k;
    bool xi = has_image_extension(x->name), yi = has_image_extension(y->name);
    if (xi != yi)
        return xi ? -1 : 1;
    return strcmp(x->name, y->name);
}

void lister_settle_claims(src_file_t *files, size_t n)
{
    if (n < 2)
        return;
    qsort(files, n, sizeof *files, by_claim);
    for (size_t i = 1; i < n && files[i].key != NULL; i++)
        if (strcmp(files[i].key, files[i - 1].key) == 0)
            files[i].owner = files[i - 1].owner ? files[i - 1].owner : files[i - 1].name;
    qsort(files, n, sizeof *files, by_ent_name);
}

bool lister_emit(lister_t *l, src_file_t *files, size_t n)
{
    stage_emitter_t *em = l->em;
    for (size_t i = 0; i < n; i++) {
        const src_file_t *f = &files[i];
        if (l->shard_n > 1 && shard_of(f->path + f->rel_off, l->shard_n) != l->shard_k) {
            expect_file(l, f);
            continue;
        }
        reporter_found(l->rep);
        task_t *t = NULL;
        if (l->opts->no_video && has_video_extension(f->name)) {
            expect_file(l, f); /* its thumbnail is not orphaned: the clip is there */
            skip(l, f, NULL, "a video clip (--no-video)");
        } else if (f->owner != NULL && !l->store->unique_names) {
            char why[PATH_MAX + 128];
            snprintf(why, sizeof why,
                     "its thumbnail name %s belongs to %s; skipped (--name '%%s.%%e' gives each "
                     "its own)",
                     f->key + 2, f->owner);
            skip(l, f, f->owner, why);
        } else {
            t = file_task(l, f);
        }
        if (t != NULL && l->dry_run) {
            reporter_would_make(l->rep, t);
            task_free(t);
            t = NULL;
        }
        if (t != NULL && !stage_emit(em, &t)) {
            task_free(t);
            return false;
        }
        if (done_fired(stage_emitter_done(em)))
            return false;
    }
    return true;
}

void lister_note(lister_t *l, const char *path, const char *text)
{
    reporter_note(l->rep, path, text);
}

bool lister_prunes(const lister_t *l)
{
    return l->prune != NULL;
}

void lister_pass_start(lister_t *l)
{
    if (l->prune != NULL) {
        pruner_free(l->prune);
        pruner_init(l->prune);
    }
}

void lister_pass_done(lister_t *l, uint64_t folders)
{
    if (l->prune != NULL && l->prune_cfg != NULL && !done_fired(lister_done(l)))
        prune_run(l->prune, l->store, l->opts, l->prune_cfg, l->rep);
    reporter_watching(l->rep, folders);
}

void lister_gone(lister_t *l, const char *path, size_t rel_off)
{
    if (l->prune == NULL || (l->shard_n > 1 && shard_of(path + rel_off, l->shard_n) != l->shard_k))
        return;
    bool named;
    char err[300];
    task_t *t = named_task(l, path, rel_off, &named, err, sizeof err);
    if (t != NULL && named) {
        char *addrs[THUMB_MAX_SIZES + 1];
        size_t n = 0;
        for (int i = 0; i < t->nouts; i++)
            addrs[n++] = t->outs[i].dst;
        if (t->fail.dst != NULL)
            addrs[n++] = t->fail.dst;
        prune_remove(l->store, addrs, n, l->rep);
    }
    task_free(t);
}

done_t *lister_done(lister_t *l)
{
    return stage_emitter_done(l->em);
}

void lister_run(void *ctx, stage_emitter_t *em)
{
    lister_t *l = ctx;
    l->em = em;
    l->source->ops->list(l->source, l);
    reporter_listing_done(l->rep);
}
