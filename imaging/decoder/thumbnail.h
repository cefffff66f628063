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
#include "store/freedesktop/cachepng.h"

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

/* ---- what every codec family shares: libvips resizes and encodes whatever a family decoded */

/* The index of the size that needs the largest scale of a w x h image (as shown): decode once, at
 * that size, and derive the others from it. */
int thumb_largest(const thumb_opts_t *o, int w, int h);

/* The scale size s implies for a w x h image (as shown): fit the box, or fill it with --crop. */
double thumb_scale_for(const thumb_opts_t *o, const thumb_size_t *s, int w, int h);

/* libvips' crop mode for o->crop. */
VipsInteresting thumb_interesting(crop_t c);

/* Thumbnails an image already in memory (a developed RAW, a video frame) to box s: a box filter
 * first, by a whole factor that leaves at least twice the size asked for, as shrink-on-load does
 * for files (libvips 8.14's vips_thumbnail_image would run its Lanczos kernel over every pixel),
 * then vips_thumbnail_image. 0, or -1 with libvips' error set. */
int thumb_resize(const thumb_opts_t *o, VipsImage *in, const thumb_size_t *s, VipsImage **out);

/* Makes every size of t from base, an upright image already at size `big` (lazy or not): decodes
 * it into memory, derives the other sizes from it and encodes each into t->outs (or fails t,
 * naming the stage). keys: the cache's text keys, for the freedesktop store. base stays the
 * caller's. */
void thumb_sizes(const thumb_opts_t *o, task_t *t, VipsImage *base, int big,
                 const cache_keys_t *keys);

/* Fails t with libvips' message for the call that just failed, after `what` ("cannot read
 * image"), copied at once so that messages never mix. */
void thumb_fail_vips(task_t *t, const char *what);

/* Frees the buffers libvips made for t (g_malloc'd; task_free would free them with free). */
void thumb_release(task_t *t);

/* Per-thread libvips clean-up; each worker calls it before it returns. */
void thumb_thread_shutdown(void);

#endif
