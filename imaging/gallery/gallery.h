/* gallery: --html, a static gallery of DST. One index.html per DST folder (the folders that mirror
 * SRC's): a grid of that folder's thumbnails, its subfolders (each with a cover and a count), a
 * path back up, and its failures and skipped name clashes with their reasons. Self-contained
 * (inline CSS, no script), every link relative and percent-encoded, so that the pages work from
 * file:// and from a bucket served as a static website.
 *
 * The pages know what earlier runs made from a small state file per folder that the store keeps
 * beside the page (docs/DESIGN.md, "The gallery"): a run loads the states of the folders it
 * touches, records what it settles in them, and once the workers are done (gallery_write; under
 * --watch, each time the work comes to rest) rewrites only the pages whose state changed, and their
 * ancestors' when a count or cover changed; a folder left with nothing to show loses its page and
 * state. So a rerun that changes nothing reads one state per folder and writes nothing.
 *
 * gallery_write may be called any number of times, each call writing what changed since the
 * last, while events go on arriving; every state loaded stays in memory until gallery_close.
 *
 * Threads: gallery_knows, gallery_gone and gallery_pass_start are called by the lister thread;
 * gallery_task and gallery_removed by whoever settles a task or removes an output (the reporter
 * calls them under its mutex: lister, writers, pruner); gallery_write after the pipeline has
 * ended, or under --watch by the thread that keeps the pages (batch/pages.h), never with the
 * reporter's mutex held, and never two at once. A mutex of the gallery's own serialises them;
 * gallery_write holds it to render the pages, not to write them (events wait for the store's
 * writes never; for its reads, a state loaded or, after a pass, each page looked for). The
 * gallery calls the store's get, put and remove (through connections of its own:
 * one for reads, one for gallery_write's writes) and nothing else.
 *
 * Error convention: gallery_open returns the gallery, or NULL with the reason in words in err;
 * gallery_write returns 0, or -1 with the first reason in err (it carries on past a page that
 * cannot be written). Events cannot fail: a state that cannot be read is made anew (its page is
 * rewritten), and running out of memory marks the gallery failed, so that gallery_write writes
 * nothing and says so. */
#ifndef IMAGING_GALLERY_H
#define IMAGING_GALLERY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/options.h"
#include "core/task.h"
#include "store/store.h"

/* The name of a folder's page and of its state file, beside its thumbnails. */
#define GALLERY_PAGE "index.html"
#define GALLERY_STATE ".thumbgen-gallery"

typedef struct gallery_cfg {
    store_t *store;  /* where the pages go: a store with get (folder, S3) */
    const char *dst; /* DST as output paths start (no trailing slash) */
    /* SRC's folder when SRC and DST are both local, for each thumbnail's link to its original
     * (relative to the page); NULL: no such links. */
    const char *src_dir;
    const thumb_opts_t *opts;
    bool force; /* --force: every page touched is written again */
} gallery_cfg_t;

typedef struct gallery gallery_t;

/* A gallery of cfg->store (which must outlive it). NULL with err when the store cannot read its
 * state back, or out of memory. */
gallery_t *gallery_open(const gallery_cfg_t *cfg, char *err, size_t errsz);

/* True when the gallery records t's outputs as made from t's source (its folder's state is
 * loaded now if it was not): an output that is up to date but unknown to the gallery must be
 * made again once, so that its page knows its size. */
bool gallery_knows(gallery_t *g, const task_t *t);

/* Records a settled task: a made one's thumbnails (sizes, frames, a clip's duration), a failure
 * with its reason, a name clash's loser with its owner; an up-to-date one is confirmed. */
void gallery_task(gallery_t *g, const task_t *t);

/* Records that the output at addr (as the store names it) was removed (--prune). */
void gallery_removed(gallery_t *g, const char *addr);

/* The source at rel (relative to SRC) was deleted or moved away under --watch: a failure or name
 * clash its page lists goes with it (its thumbnails go through gallery_removed, with --prune). */
void gallery_gone(gallery_t *g, const char *rel);

/* --watch: a pass over the whole of SRC begins (the first is pass 1, the next 2, ...): every
 * failure and clash must be settled again in it to stay (see gallery_write). */
void gallery_pass_start(gallery_t *g);

/* What gallery_write did. */
typedef struct gallery_result {
    unsigned written, removed; /* pages */
} gallery_result_t;

/* Writes the pages (and states) that changed since the last call, removes those of folders left
 * with nothing, and fills *res. complete: 0, or the number of a pass over the whole of SRC (1
 * for a run's one listing) whose sources are all settled: a failure or clash that pass did not
 * settle again is gone (one settled by a later pass, or by an event since, stays). It carries
 * on past a page that cannot be written, which stays to be written by the next call. 0, or -1
 * with the first reason in err. */
int gallery_write(gallery_t *g, unsigned complete, gallery_result_t *res, char *err, size_t errsz);

/* Frees the gallery (NULL is fine). */
void gallery_close(gallery_t *g);

#endif
