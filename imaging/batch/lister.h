/* lister: the pipeline's first stage. A source (source/source.h: a folder walk, a list of files,
 * an S3 listing) finds files and hands them here a batch at a time; the lister applies the rules
 * every source shares and streams tasks into the pipeline as they come, so the first task is on
 * its way long before the listing ends:
 *   - the clash rule: when several files of one folder map to one output name (a.png, a.gif ->
 *     a.jpg), the one with an image extension that sorts first byte by byte owns it, and the others
 *     are skipped, naming it and the remedy (--name), on every run, before any up-to-date check
 *     or decode; a skip costs no exit status. A source settles claims (lister_settle_claims) over
 *     every file that could clash, so the rule never depends on timing, -j or clocks. A store
 *     whose names cannot clash (the freedesktop cache) never applies it;
 *   - --no-video: a clip (by its extension) is skipped, counted, before anything else;
 *   - --shard K/N: a file is this run's when the FNV-1a 64-bit hash of its path relative to SRC
 *     (its bytes as listed), modulo N, is K; others are left alone, uncounted;
 *   - --prune: every file's addresses are recorded (before the shard filter), and where the
 *     listing failed (prune.h);
 *   - --dry-run: a task that would be made is reported as such and goes no further;
 *   - up to date (every output exists in the store and is not older than the source) is settled
 *     here, before any download or decode: the workers never see it.
 *
 * Error convention: nothing here returns an error; what goes wrong with one file or folder is
 * reported through the reporter, and the listing goes on. */
#ifndef IMAGING_LISTER_H
#define IMAGING_LISTER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/options.h"
#include "pipeline/stage.h"
#include "batch/prune.h"
#include "batch/report.h"
#include "source/source.h"
#include "store/store.h"

struct lister {
    source_t *source;
    store_t *store; /* names the outputs and says which are up to date */
    const thumb_opts_t *opts;
    bool force;
    uint32_t shard_k, shard_n; /* n 0 or 1: no sharding */
    reporter_t *rep;
    pruner_t *prune; /* --prune: told every listed source's addresses, and listing failures */
    const prune_cfg_t *prune_cfg; /* for a source that prunes after each pass (--watch) */
    bool dry_run;                 /* --dry-run: what would be made is reported, never emitted */
    stage_emitter_t *em;          /* set while lister_run runs */
};

/* The stage_source function: ctx is a lister_t; it emits task_t pointers. (What a source calls
 * while it lists is declared in source/source.h.) */
void lister_run(void *ctx, stage_emitter_t *em);

#endif
