/* worker: the parent's side of one decoder process. Each resize worker thread owns one decoder_t
 * and hands it one source at a time as the descriptor its source opened (source/source.h: a file,
 * or the memory file a download filled; so the decoder needs no file system or network access of
 * its own), and waits for the answer with a deadline (--timeout) that the run's done cuts short.
 * A decoder that crashes, runs out of memory or time is killed and reaped, that file alone is
 * reported failed with the reason in words, and a fresh decoder is started for the next file. No
 * libvips call happens on this side.
 *
 * Ownership: the decoder_t belongs to its worker thread; decoder_destroy kills and reaps the
 * process. Error convention: decoder_make settles the task (made or failed, with a message) and
 * says whether it did (DECODE_SETTLED), or the run was cancelled (the task is to be dropped), or
 * no decoder could be started (the task failed with the reason; for the caller to decide whether
 * that ends the run). */
#ifndef IMAGING_DECODER_WORKER_H
#define IMAGING_DECODER_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/child.h"
#include "pipeline/done.h"
#include "core/options.h"
#include "core/task.h"

#define DEC_DEFAULT_TIMEOUT 60 /* seconds per image */
#define DEC_START_TIMEOUT 60   /* seconds a new decoder may take to say hello, at least */
/* Address space per decoder. A decoder needs about 230 MiB just to start (libvips and its codecs,
 * LibRaw, FFmpeg, libheif: mapped, mostly never touched) and maps 280-330 MiB while it renders an
 * SVG (thread stacks and malloc arenas too); the largest image --max-pixels lets through (268 MP)
 * needs up to 1 GiB more while an interlaced PNG of that size decodes whole. 2 GiB leaves room for
 * both and still stops a runaway decoder long before the machine swaps. */
#define DEC_DEFAULT_MAX_MEMORY 2048 /* MiB */
#define DEC_MIN_MAX_MEMORY 384      /* MiB: below this a decoder cannot even start its threads */

typedef struct decoder_cfg {
    const thumb_opts_t *opts;
    double timeout_s;        /* per image */
    uint64_t max_memory_mib; /* 0: no limit */
    const char *exe;         /* the thumbgen executable ("/proc/self/exe") */
} decoder_cfg_t;

typedef struct decoder {
    const decoder_cfg_t *cfg;
    child_t child;
    char sandbox[200]; /* what the last decoder said confines it */
    char vips[32];     /* and which libvips it runs */
    bool started;      /* a decoder has started at least once */
} decoder_t;

/* An idle decoder: the process starts with the first file. */
void decoder_init(decoder_t *d, const decoder_cfg_t *cfg);

typedef enum { DECODE_SETTLED, DECODE_CANCELLED, DECODE_NO_DECODER } decode_result_t;

/* Thumbnails the source open on src (taken over and closed) in the decoder; fills t->outs
 * (malloc'd buffers) and t->status. src -1: the source could not be opened, t has failed already.
 * Either way, when t has failed and its store names a failure record (t->fail.dst) for a source
 * that could be read, it is made into t->fail (malloc'd): the cache's PNG by the decoder, else
 * the reason in words; so is "not an image" for a source it skipped whose store names a record
 * for that (t->skip_dst). */
decode_result_t decoder_make(decoder_t *d, task_t *t, int src, done_t *done);

/* Starts the decoder now if it is not running (decoder_make does it by itself). Returns 0, or an
 * errno value with the reason in msg. */
int decoder_start(decoder_t *d, done_t *done, char *msg, size_t msg_size);

/* Kills and reaps the decoder, if any. */
void decoder_destroy(decoder_t *d);

#endif
