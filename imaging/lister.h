/* lister: the pipeline's source stage. A source (source/source.h: a folder walk, a list of files,
 * an S3 listing) finds files and hands them here a batch at a time; the lister applies the rules
 * every source shares and streams tasks into the pipeline as they come, so the first task is on
 * its way long before the listing ends:
 *   - the clash rule: when several files of one folder map to one output name (a.png, a.gif ->
 *     a.jpg), the one with an image extension that sorts first byte by byte owns it, and the others
 *     are reported failed, naming it, on every run, before any up-to-date check or decode. A
 *     source settles claims (lister_settle_claims) over every file that could clash, so the rule
 *     never depends on timing, -j or clocks;
 *   - --shard K/N: a file is this run's when the FNV-1a 64-bit hash of its path relative to SRC
 *     (its bytes as listed), modulo N, is K; others are left alone, uncounted;
 *   - up to date (every output exists in the store and is not older than the source) is settled
 *     here, before any fetch or decode: the workers never see it. */
#ifndef IMAGING_LISTER_H
#define IMAGING_LISTER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "options.h"
#include "report.h"
#include "stage.h"

typedef struct source source_t;
typedef struct store store_t;

typedef struct lister {
    source_t *source;
    store_t *store;
    const char *dst; /* as output paths start */
    const thumb_opts_t *opts;
    bool force;
    uint32_t shard_k, shard_n; /* n 0 or 1: no sharding */
    reporter_t *rep;
    stage_emitter_t *em; /* set while lister_run runs */
} lister_t;

/* One file found by a source. */
typedef struct src_file {
    char *path;        /* as the user knows it (a path, s3://BUCKET/KEY), malloc'd */
    size_t rel_off;    /* where the path relative to SRC starts */
    const char *name;  /* its last component, inside path */
    char *key;         /* its output's name in its folder ("./stem.ext"), malloc'd; NULL: none */
    const char *owner; /* the name of the file that owns its output name, if another one does */
    struct timespec mtime;
    uint64_t size; /* bytes */
} src_file_t;

/* Fills f for path (taken over), whose last component starts at name_off. */
void src_file_init(src_file_t *f, const lister_t *l, char *path, size_t rel_off, size_t name_off,
                   const struct timespec *mtime, uint64_t size);
void src_file_free(src_file_t *f);

/* Marks every file whose output name is claimed by another file of files[0..n) (one folder's, or
 * a group that holds every possible rival) with that owner; files[] ends in name order. */
void lister_settle_claims(src_file_t *files, size_t n);

/* Settles or emits files[0..n) in order. False once the run is cancelled. */
bool lister_emit(lister_t *l, src_file_t *files, size_t n);

/* Reports a failure that is no task's (an unreadable folder, a failed listing page). */
void lister_failure(lister_t *l, const char *path, const char *reason);

/* The stage_source function: ctx is a lister_t; it emits task_t pointers. */
void lister_run(void *ctx, stage_emitter_t *em);

/* The shard a relative path belongs to among n. */
uint32_t shard_of(const char *rel, uint32_t n);

#endif
