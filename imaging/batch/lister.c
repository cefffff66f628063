#include "batch/lister.h"

#include <limits.h>
#include <stdio.h>

#include "core/filetype.h"
#include "core/task.h"
#include "store/mirror.h"

static void lister_failure(source_sink_t *k, const char *path, const char *unlisted,
                           const char *reason)
{
    lister_t *l = (lister_t *)k;
    reporter_failure(l->rep, path, NULL, reason);
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
        reporter_failure(l->rep, path, NULL, "out of memory");
        return NULL;
    }
    t->nouts = l->cfg->opts.nsizes;
    *named = l->store->ops->name(l->store, t, &l->cfg->opts, err, errsz) == 0;
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

/* Reports a task settled here and frees it. Returns NULL: no task is left to emit. */
static task_t *settle(lister_t *l, task_t *t)
{
    reporter_task(l->rep, t);
    task_free(t);
    return NULL;
}

/* Reports f skipped, for the reason why (and, for a name clash, the owner of its name, which the
 * task gives relative to SRC, as its own path: the owner's name follows f's folder). */
static void skip(lister_t *l, const src_file_t *f, const char *owner, const char *why)
{
    task_t *t = task_new(f->path, f->rel_off);
    bool ok = t != NULL;
    if (ok && owner != NULL) {
        const char *rel = f->path + f->rel_off;
        int folder = (int)(f->name - rel); /* f's folder below SRC, with its slash */
        ok = asprintf(&t->owner, "%.*s%s", folder, rel, owner) >= 0;
        if (!ok)
            t->owner = NULL;
    }
    if (!ok) {
        task_free(t);
        reporter_failure(l->rep, f->path, NULL, "out of memory");
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
        return settle(l, t);
    }
    if (expecting(l))
        pruner_expect(l->prune, t);
    /* With --html, made again once when its page would not know its size (asked first, so that
     * the lister, not a writer, loads the folder's state). */
    bool up_to_date = !l->cfg->force && (l->gallery == NULL || gallery_knows(l->gallery, t));
    for (int i = 0; up_to_date && i < t->nouts; i++)
        up_to_date = ops->fresh(l->store, t, i);
    if (up_to_date) {
        t->status = TASK_UP_TO_DATE;
        return settle(l, t);
    }
    /* Asked with --force too: a record held for it goes once it is made (t->held). */
    int verdict = ops->verdict_before != NULL ? ops->verdict_before(l->store, t) : 0;
    if (verdict == RECORD_FAILED && !l->cfg->force) {
        task_fail(t, TASK_FAILED,
                  "failed before and has not changed since (recorded in %s; --force tries "
                  "again)",
                  t->fail.dst);
        t->failed_before = true;
        return settle(l, t);
    }
    if (verdict == RECORD_SKIPPED && !l->cfg->force) {
        task_fail(t, TASK_SKIPPED, "not an image"); /* the decoder's words, as when it said them */
        return settle(l, t);
    }
    return t;
}

static bool lister_emit(source_sink_t *k, src_file_t *files, size_t n)
{
    lister_t *l = (lister_t *)k;
    stage_emitter_t *em = l->em;
    for (size_t i = 0; i < n; i++) {
        const src_file_t *f = &files[i];
        if (!shard_takes(f->path + f->rel_off, l->cfg->shard_k, l->cfg->shard_n)) {
            expect_file(l, f);
            continue;
        }
        reporter_found(l->rep);
        if (l->passes)
            hashset_add(&l->present, f->path + f->rel_off); /* (out of memory: a count off) */
        task_t *t = NULL;
        if (l->cfg->opts.no_video && has_video_extension(f->name)) {
            expect_file(l, f); /* its thumbnail is not orphaned: the clip is there */
            skip(l, f, NULL, "a video clip (--no-video)");
        } else if (never_an_image(f->name)) {
            skip(l, f, NULL, "not an image"); /* never read: no GET, no decoder */
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
        if (t != NULL && done_fired(l->full)) { /* counted, never decoded: the store is full */
            t->status = TASK_NOT_ATTEMPTED;
            t = settle(l, t);
        }
        if (t != NULL && l->cfg->dry_run) {
            reporter_would_make(l->rep, t);
            task_free(t);
            t = NULL;
        }
        if (t != NULL)
            order_begin(l->order, t); /* (out of memory: the writer checks its identity only) */
        if (t != NULL && !stage_emit(em, &t)) {
            task_free(t);
            return false;
        }
        if (done_fired(stage_emitter_done(em)))
            return false;
    }
    if (l->passes)
        reporter_present(l->rep, l->present.n);
    return true;
}

static void lister_note(source_sink_t *k, const char *path, const char *text)
{
    reporter_note(((lister_t *)k)->rep, path, text);
}

static void lister_pass_start(source_sink_t *k)
{
    lister_t *l = (lister_t *)k;
    l->passes = true;
    hashset_free(&l->present); /* the pass finds them all again */
    reporter_pass_start(l->rep);
    if (l->gallery != NULL)
        gallery_pass_start(l->gallery);
    if (l->prune != NULL)
        pruner_free(l->prune); /* (empty again: the pass expects its files anew) */
}

static void lister_pass_done(source_sink_t *k, uint64_t folders)
{
    lister_t *l = (lister_t *)k;
    if (l->prune != NULL && l->cfg->watch && !done_fired(k->done)) /* a watcher prunes each pass */
        prune_run(l->prune, l->store, l->cfg, l->rep);
    reporter_watching(l->rep, folders);
}

static void lister_folder_gone(source_sink_t *k, const char *rel)
{
    lister_t *l = (lister_t *)k;
    if (l->prune != NULL)
        pruner_moved(l->prune, rel);
}

typedef struct {
    reporter_t *rep;
    int failed;
} idents_gone_t;

/* store_removed_fn for a gone source's identity records (ctx: idents_gone_t): one that cannot be
 * removed is said and counted. */
static void ident_removed(void *ctx, const char *addr, const char *err)
{
    idents_gone_t *g = ctx;
    if (err != NULL) {
        g->failed++;
        reporter_failure(g->rep, NULL, addr, err);
    }
}

static void lister_gone(source_sink_t *k, const char *path, size_t rel_off)
{
    lister_t *l = (lister_t *)k;
    order_gone_begin(l->order, path); /* results in flight for it are dropped, never left last */
    bool ours = shard_takes(path + rel_off, l->cfg->shard_k, l->cfg->shard_n);
    if (ours && l->passes && hashset_remove(&l->present, path + rel_off))
        reporter_present(l->rep, l->present.n);
    if (l->gallery != NULL && ours) { /* its failure leaves the pages, pruned or not */
        gallery_gone(l->gallery, path + rel_off);
        reporter_changed(l->rep);
    }
    if (l->prune == NULL || !ours) {
        order_gone_end(l->order, path);
        return;
    }
    bool named;
    char err[300];
    task_t *t = named_task(l, path, rel_off, &named, err, sizeof err);
    if (t != NULL && named) {
        char *addrs[THUMB_MAX_SIZES + 2];
        size_t n = 0;
        for (int i = 0; i < t->nouts; i++)
            addrs[n++] = t->outs[i].dst;
        const store_ops_t *ops = l->store->ops;
        if (ops->verdict_before != NULL && (t->fail.dst != NULL || t->skip_dst != NULL))
            ops->verdict_before(l->store, t); /* which are held, so none is said removed */
        n += store_stale_records(t, addrs[n - 1], true, addrs + n); /* the held records */
        /* Identity records first, unseen (store.h, store_entry_t.with): one that stays (or one
         * not known: a listing failed) vouches for its outputs, so they stay with it (the
         * failure is said; --prune takes them later). */
        idents_gone_t g = {l->rep, 0};
        if (t->nidents > 0)
            ops->remove(l->store, t->idents, t->nidents, ident_removed, &g);
        if (t->idents_unknown)
            reporter_failure(l->rep, NULL, addrs[0],
                             "its folder in DST could not be listed; its thumbnails stay");
        else if (g.failed == 0)
            prune_remove(l->store, addrs, n, l->rep);
    }
    task_free(t);
    order_gone_end(l->order, path);
}

void lister_run(void *ctx, stage_emitter_t *em)
{
    lister_t *l = ctx;
    l->em = em;
    l->sink = (source_sink_t){.opts = &l->cfg->opts,
                              .done = stage_emitter_done(em),
                              .end = l->full,
                              .forgets = l->prune != NULL || l->gallery != NULL,
                              .emit = lister_emit,
                              .failure = lister_failure,
                              .note = lister_note,
                              .gone = lister_gone,
                              .pass_start = lister_pass_start,
                              .pass_done = lister_pass_done,
                              .folder_gone = lister_folder_gone};
    l->source->ops->list(l->source, &l->sink);
    hashset_free(&l->present);
    reporter_listing_done(l->rep);
}
