/* setup: a batch's set-up and tear-down (batch_open, batch_finish, batch_close): what a run opens
 * before any work, with the checks that make a setup error (exit status 2) rather than a failure
 * per file. Private to the batch room. */
#ifndef IMAGING_SETUP_H
#define IMAGING_SETUP_H

#include "batch/batch.h"
#include "pipeline/stats.h"
#include "batch/report.h"
#include "gallery/gallery.h"
#include "source/source.h"
#include "store/store.h"

struct batch {
    batch_cfg_t cfg; /* cfg.dst: place, for the source and every message */
    char *dst;       /* DST without trailing slashes: the store's form (malloc'd) */
    char *place;     /* where that leads (store_place), malloc'd */
    done_t *done;    /* the run's (the caller's) */
    source_t *source;
    store_t *store;
    gallery_t *gallery; /* --html (not with --dry-run); NULL otherwise */
    reporter_t rep;
    bool rep_open;
    stage_stats_t *stats; /* the last run's, one row per stage thread */
    size_t nstats;
};

/* thumbgen-testhooks (batch/testhooks.c): the stage ("opener", "worker", "writer") whose threads'
 * set-up fails on purpose, as a backend's would when out of memory; NULL in thumbgen. */
extern const char *batch_test_thread_fault;

#endif
