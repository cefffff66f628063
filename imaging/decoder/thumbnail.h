/* thumbnail: one source image -> encoded thumbnails in memory, with libvips. Runs in the resize
 * workers; everything heavy happens here, and the result is bytes, never a lazy image (libvips
 * computes pixels only when an image is written, so writing to a buffer here keeps the decode in
 * the worker rather than in the writers).
 *
 * Error convention: as codec.h's (the family fails or skips the task with the reason in words,
 * libvips' message copied where the call failed; codec_make settles it). */
#ifndef IMAGING_THUMBNAIL_H
#define IMAGING_THUMBNAIL_H

#include "decoder/codec.h"
#include "decoder/sizes.h"

/* The libvips family (codec.h): every format libvips' loaders read (t->fd, else t->src by name),
 * a file that is not an image and does not pretend to be one skipped. Thread-safe. */
extern const codec_t codec_vips;

/* Process-wide libvips settings for a thumbnail run: per-image concurrency (1 by default, since
 * parallelism is across images) and no operation cache. Call once, after VIPS_INIT. */
void thumb_global_setup(int vips_threads_per_image);

#endif
