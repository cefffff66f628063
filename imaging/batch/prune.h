/* prune: --prune, the removal from the store of the outputs no source maps to any more, at the
 * end of a listing that covered the whole source. Private to the batch room.
 *
 * While the lister lists, it tells the pruner every address the store's naming gives a listed
 * source (all of them, before --shard's filter, so that every shard agrees on what is orphaned)
 * and where the listing failed (an unreadable folder, a failed LIST page). Then prune_run scans
 * the store (store_ops_t.scan): an entry is an orphan when its source is gone (the cache says
 * so) or, in a mirrored store, when no listed source was given its address; orphans where the
 * listing failed, and with --shard K/N those whose relative path (store_entry_t.rel) does not
 * hash to K, are left alone; bookkeeping (store_entry_t.with) is judged by the address it goes
 * with, removed unseen, and never weighed. Past the --prune-max guard nothing is removed; the guard
 * does not weigh what lies under a folder the user deleted or moved away (pruner_moved).
 *
 * Threads: pruner_expect and pruner_unlisted are called by the lister thread, prune_run by it
 * or after the pipeline has ended; the scan may run in a thread of its own meanwhile. Error
 * convention: pruner_expect and pruner_unlisted return nothing: running out of memory marks the
 * pruner failed, and prune_run then removes nothing and reports why; prune_run reports what it
 * does and what fails through the reporter and returns nothing. */
#ifndef IMAGING_PRUNE_H
#define IMAGING_PRUNE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "batch/batch.h"
#include "core/arena.h"
#include "core/hashset.h"
#include "core/task.h"
#include "batch/report.h"
#include "store/store.h"

/* One entry a store scan found (this shard's), copied. */
typedef struct prune_entry {
    char *addr;      /* in the scan's arena, with rel after it */
    const char *rel; /* store_entry_t's */
    int gone;
    bool record;      /* a failure record: outside --prune-max's count */
    const char *with; /* store_entry_t's, in the arena too; NULL: none */
} prune_entry_t;

/* A store scan, run in a thread of its own beside the pipeline (prune_scan_start) or at the end. */
typedef struct prune_scan {
    store_t *store;
    const batch_cfg_t *cfg;
    prune_entry_t *v;
    size_t n, cap;
    arena_t names; /* the entries' strings */
    int rc;
    char err[600];
    bool oom, started;
    atomic_bool stop;
    pthread_t thread;
} prune_scan_t;

typedef struct pruner {
    hashset_t expected; /* addresses the listing gave names to (a hash collision only keeps) */
    char **unlisted;    /* relative paths whose listing failed ("": everything), malloc'd */
    size_t nunlisted;
    char **moved; /* folders (relative to SRC) deleted or moved away: outside the guard's count */
    size_t nmoved;
    bool failed; /* out of memory while recording: nothing may be pruned */
    prune_scan_t scan;
} pruner_t;

void pruner_init(pruner_t *p);

/* Frees what the pruner holds, stopping and joining its scan if one runs; p is then as
 * pruner_init leaves it. */
void pruner_free(pruner_t *p);

/* Starts scanning the store in a thread of its own while the pipeline runs (it only reads: what
 * the run writes meanwhile is expected anyway), so that prune_run need not wait for a scan after
 * the listing; cfg must outlive it. Without a thread, prune_run scans. */
void prune_scan_start(pruner_t *p, store_t *store, const batch_cfg_t *cfg);

/* Records t's addresses (named by the store) as a listed source's. */
void pruner_expect(pruner_t *p, const task_t *t);

/* Records that the listing of rel (a folder, relative to SRC; "" for all of it) failed. */
void pruner_unlisted(pruner_t *p, const char *rel);

/* Records that the folder rel (relative to SRC) was deleted or moved away (source_sink_t's
 * folder_gone): its orphans are removed without counting toward --prune-max, either side. */
void pruner_moved(pruner_t *p, const char *rel);

/* Removes addrs[0..n) from the store (store_ops_t.remove), reporting each removal
 * or failure. */
void prune_remove(store_t *store, char *const *addrs, size_t n, reporter_t *rep);

/* Scans the store and removes the orphans (see above); reports each removal, or why nothing was
 * removed. */
void prune_run(pruner_t *p, store_t *store, const batch_cfg_t *cfg, reporter_t *rep);

#endif
