/* thumbnail: one source image -> encoded thumbnails in memory, with libvips. Runs in the resize
 * workers; everything heavy happens here, and the result is bytes, never a lazy image (libvips
 * computes pixels only when an image is written, so writing to a buffer here keeps the decode in
 * the worker rather than in the writers).
 *
 * Error convention: thumb_make settles the task itself (made, or failed/skipped with the reason in
 * words, libvips' message copied where the call failed). */
#ifndef IMAGING_THUMBNAIL_H
#define IMAGING_THUMBNAIL_H

#include "core/options.h"
#include "core/task.h"
#include "decoder/codec.h"
#include "decoder/sizes.h"

/* The libvips family (codec.h): every format libvips' loaders read; thumb_make is its make. */
extern const codec_t codec_vips;

/* Process-wide libvips settings for a thumbnail run: per-image concurrency (1 by default, since
 * parallelism is across images) and no operation cache. Call once, after VIPS_INIT. */
void thumb_global_setup(int vips_threads_per_image);

/* Makes t->nouts thumbnails of t->src as o says (t->outs[i].dst are already set, in the order of
 * o->sizes), filling t->outs[i].buf/len/width/height and setting t->status to TASK_MADE; or sets
 * TASK_FAILED with the reason (libvips' message, copied at the failing call), or TASK_SKIPPED for
 * a file that is not an image and does not pretend to be one. Thread-safe. */
void thumb_make(const thumb_opts_t *o, task_t *t);

/* Makes the freedesktop cache's failure entry for t (t->uri, t->mtime, t->size) into t->fail,
 * setting TASK_MADE, or TASK_FAILED with the reason. */
void thumb_fail_entry(task_t *t);

/* Per-thread libvips clean-up; each worker calls it before it returns. */
void thumb_thread_shutdown(void);

#endif
