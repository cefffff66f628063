/* lister: the pipeline's first stage. A source (source/source.h: a folder walk, a list of files,
 * an S3 listing) finds files and hands them here a batch at a time; the lister applies the rules
 * every source shares and streams tasks into the pipeline as they come, so the first task is on
 * its way long before the listing ends. It is the sources' sink (source.h's source_sink_t):
 *   - the clash rule (core/claims.h): a file whose output name another file of its folder owns is
 *     skipped, naming it and the remedy (--name), on every run, before any up-to-date check or
 *     decode; a skip costs no exit status. A source settles claims (claims_settle) over every file
 *     that could clash. A store whose names cannot clash (the cache) never applies it;
 *   - --no-video: a clip (by its extension) is skipped, counted, before anything else;
 *   - a file whose extension no family takes (core/filetype.h's never_an_image: a sidecar) is
 *     skipped as "not an image" from its name, never read or fetched, so a rerun costs nothing;
 *   - --shard K/N: a file is this run's when shard_takes its path relative to SRC (core/claims.h);
 *     others are left alone, uncounted;
 *   - --prune: every file's addresses are recorded (before the shard filter), and where the
 *     listing failed (prune.h);
 *   - --dry-run: a task that would be made is reported as such and goes no further;
 *   - --watch: the files SRC holds are counted (found, less those gone) for the status line;
 *   - once the store is full (`full`), what would be decoded is settled as not attempted;
 *   - up to date (every output exists in the store and is not older than the source) is settled
 *     here, before any download or decode: the workers never see it; so is a source the store
 *     holds a record of for its identity now (store.h, verdict_before): failed before, or not
 *     an image (a file without an extension whose bytes said so: skipped again, unread).
 *
 * Error convention: nothing here returns an error; what goes wrong with one file or folder is
 * reported through the reporter, and the listing goes on. */
#ifndef IMAGING_LISTER_H
#define IMAGING_LISTER_H

#include <stdbool.h>

#include "core/hashset.h"
#include "batch/batch.h"
#include "pipeline/stage.h"
#include "batch/order.h"
#include "batch/prune.h"
#include "batch/report.h"
#include "gallery/gallery.h"
#include "source/source.h"
#include "store/store.h"

typedef struct lister {
    source_sink_t sink; /* first: what the source's list is handed (filled by lister_run) */
    source_t *source;
    store_t *store; /* names the outputs and says which are up to date */
    /* The run's: the options, --force, --shard, --dry-run (what would be made is reported, never
     * emitted), --watch (a pass is pruned once listed). */
    const batch_cfg_t *cfg;
    reporter_t *rep;
    pruner_t *prune; /* --prune: told every listed source's addresses, and listing failures */
    /* A source that lists SRC in passes (--watch): the files (this shard's) SRC holds now, by
     * path relative to SRC, found less gone, for the status line's count. */
    bool passes;
    hashset_t present;
    stage_emitter_t *em; /* set while lister_run runs */
    order_t *order;      /* each emitted task is numbered for its source; a removal supersedes */
    /* Fired once a write finds the store full: a task that would be emitted is settled here as
     * not attempted (the listing goes on, to count them), and a watch ends after its pass. */
    done_t *full;
    gallery_t *gallery; /* --html: an output it does not know is not up to date */
} lister_t;

/* The stage_source function: ctx is a lister_t; it emits task_t pointers. */
void lister_run(void *ctx, stage_emitter_t *em);

#endif
