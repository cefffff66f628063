/* batch: the thumbnail pipeline, wired from the pipeline library's pieces:
 *   lister (stage_source, fed by a source) -> [fetchers (fan-out) -> merge] when the source is
 *   remote -> resize workers (fan-out) -> merge (fan-in) -> writers (fan-out into the store)
 * Each resize worker thread supervises its own decoder process (decoder/worker.h), which does
 * every libvips call on source bytes; this process never decodes. Fetchers and writers are
 * separate fan-outs because their work is network round trips: they overlap each other instead of
 * stalling the workers. Channels carry task_t pointers; each stage that is cancelled while holding
 * one frees it, and a worker cancelled while its decoder works kills the decoder and drops the
 * file. */
#ifndef IMAGING_BATCH_H
#define IMAGING_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "done.h"
#include "options.h"
#include "report.h"
#include "source.h"
#include "stats.h"
#include "store.h"

typedef struct batch_cfg {
    source_t *source; /* opened by the caller, who closes it after the run */
    store_t *store;   /* likewise */
    const char *dst;  /* DST as output paths start (no trailing slash) */
    thumb_opts_t opts;
    unsigned jobs;
    bool force;
    uint32_t shard_k, shard_n;
    double timeout_s;        /* per image, in the decoder */
    uint64_t max_memory_mib; /* per decoder; 0: no limit */
} batch_cfg_t;

typedef struct batch_result {
    stage_stats_t *stats; /* one row per stage thread; malloc'd */
    size_t nstats;
    char *fatal; /* why the run could not go on (no decoder could start), malloc'd; or NULL */
} batch_result_t;

/* Runs the pipeline until the listing is exhausted or `done` fires (SIGINT, SIGTERM). Reports
 * through rep. Every thread is joined and every decoder reaped before it returns. Returns 0, or
 * -1 if the pipeline could not be built or no decoder could be started (res->fatal says why). */
int batch_run(const batch_cfg_t *cfg, done_t *done, reporter_t *rep, batch_result_t *res);

#endif
