/* batch: a thumbnail run, and imaging/'s one header for cmd/. The pipeline, wired from the
 * pipeline library's pieces:
 *   lister (a source) -> [openers (pool), for a remote source] -> resize workers (pool) ->
 *   writers (pool, into the store)
 * Each resize worker thread supervises its own decoder process (decoder/worker.h), which does
 * every libvips call on source bytes; this process never decodes. Openers and writers are pools
 * of their own when their work is network round trips, so that it overlaps the decodes. Channels
 * carry task_t pointers; each stage that is cancelled while holding one frees it, and a worker
 * cancelled while its decoder works kills the decoder and drops the file.
 *
 * Use: batch_open (set-up: source, store, manifest, with every check that can fail before any
 * work), batch_run once, batch_finish (summary), batch_close.
 *
 * Error convention: batch_open returns the batch, or NULL with the reason in words in err
 * ("PATH: reason"; a setup error); batch_run and batch_finish return 0, or -1 with the reason in
 * words in err. Failures of single files are reported as they happen (report.h) and counted. */
#ifndef IMAGING_BATCH_H
#define IMAGING_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/options.h"
#include "pipeline/done.h"

#define BATCH_DEFAULT_TIMEOUT 60      /* seconds per image */
#define BATCH_DEFAULT_MAX_MEMORY 2048 /* MiB per decoder (see decoder/worker.h) */
#define BATCH_MIN_MAX_MEMORY 384      /* MiB: below this a decoder cannot even start */

typedef struct batch_cfg {
    const char *src;           /* a folder, a file or s3://BUCKET[/PREFIX] */
    const char *dst;           /* a folder, or a store's own form (s3://BUCKET[/PREFIX]...) */
    const char *files_from;    /* a list of paths relative to SRC ("-": stdin), or NULL */
    char list_sep;             /* '\n' or '\0' */
    bool follow_symlinks;      /* in SRC */
    bool fsync;                /* folder DST: fsync each file before its rename */
    unsigned retries;          /* S3: attempts after a failed request */
    thumb_opts_t opts;         /* what each thumbnail is */
    unsigned jobs;             /* resize workers, each with its decoder */
    bool force;                /* remake what is up to date */
    uint32_t shard_k, shard_n; /* take only shard k of n (n 0 or 1: all) */
    double timeout_s;          /* per image, in the decoder */
    uint64_t max_memory_mib;   /* per decoder; 0: no limit */
    const char *manifest;      /* JSON Lines file, or NULL */
    bool progress;             /* draw the progress bar (stderr is a terminal) */
    bool quiet;                /* no bar, no summary; failures still reported */
    bool stats;                /* per-stage times (and S3 requests) after the summary */
    bool prune;                /* remove outputs whose sources are gone (prune.h) */
    uint64_t prune_max;        /* --prune-max: a count, or a percentage when prune_max_percent */
    bool prune_max_percent;
    bool dry_run; /* report what would be made and removed; change nothing */
    bool watch;   /* keep DST in step with SRC (a local folder) until done fires */
    bool html;    /* write the gallery's pages (gallery/gallery.h) once the workers are done, or
                   * under --watch each time the work comes to rest */
} batch_cfg_t;

/* The defaults: docs/DESIGN.md's thumbnail, one job, the timeouts and limits above, 3 retries,
 * --prune-max 50%. */
void batch_cfg_default(batch_cfg_t *cfg);

typedef struct batch batch_t;

/* Sets a run up: opens SRC (a missing SRC is reported before DST is created), DST or the cache,
 * and the manifest, and checks what can be checked before any work (S3 credentials, bucket and
 * endpoint, DST writable and not SRC, SRC not inside the cache). The configuration's strings and
 * `done` (which fires on SIGINT, SIGTERM; the source and store are handed it) must outlive the
 * batch. */
batch_t *batch_open(const batch_cfg_t *cfg, done_t *done, char *err, size_t errsz);

/* Runs the pipeline until the listing is exhausted or `done` fires, then, with
 * prune and when the listing was not cut short, prunes the store. Every thread is joined and
 * every decoder reaped before it returns. -1 when the pipeline could not be
 * built or no decoder could be started (err says why). */
int batch_run(batch_t *b, char *err, size_t errsz);

typedef struct batch_counts {
    uint64_t failed;
    bool watched; /* --watch got past its first pass (so an end by signal is the normal end) */
} batch_counts_t;

/* Prints the summary (unless quiet) and, with stats, the stage table and S3 requests, on stderr;
 * closes the manifest; fills *counts. -1 when the manifest could not be written (err says so; it
 * is not counted as a failure here). */
int batch_finish(batch_t *b, bool interrupted, batch_counts_t *counts, char *err, size_t errsz);

/* Closes what batch_open opened and frees the batch (NULL is fine). */
void batch_close(batch_t *b);

/* For the signal thread on a second Ctrl-C, just before _exit: removes the temporary file being
 * written, if any, and keeps any other from appearing. */
void batch_emergency_cleanup(void);

/* What --version says beyond thumbgen's own: the libvips version and what confines the decoders,
 * both asked of a real decoder (so it says what is in force on this kernel). 0, or -1 with the
 * reason in words in sandbox (and "unknown" in vips). */
int batch_version(char *vips, size_t vips_size, char *sandbox, size_t sandbox_size);

/* ---- the hidden decoder mode: thumbgen runs itself as `thumbgen --internal-decoder` */

/* True when argv asks for the decoder mode. */
bool batch_is_decoder(int argc, char **argv);

/* Runs this process as a decoder; returns its exit status. */
int batch_decoder_main(const char *argv0);

#endif
