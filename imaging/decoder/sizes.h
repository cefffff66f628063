/* sizes: what every codec family shares once it has decoded: the size to decode at, the scale a
 * box implies, a whole-factor box shrink for images already in memory, every size derived and
 * encoded by libvips (a thumbnail cache's PNG included), and failures named with libvips'
 * message. Runs in the decoder.
 *
 * Error convention: thumb_sizes and thumb_fail_vips settle the task's reason themselves;
 * thumb_resize returns 0, or -1 with libvips' error set. */
#ifndef IMAGING_DECODER_SIZES_H
#define IMAGING_DECODER_SIZES_H

#include <vips/vips.h>

#include "core/options.h"
#include "core/task.h"

/* The index of the size that needs the largest scale of a w x h image (as shown): decode once, at
 * that size, and derive the others from it. */
int thumb_largest(const thumb_opts_t *o, int w, int h);

/* The scale size s implies for a w x h image (as shown): fit the box, or fill it with --crop. */
double thumb_scale_for(const thumb_opts_t *o, const thumb_size_t *s, int w, int h);

/* A thumbnail's size in pixels. */
typedef struct thumb_dims {
    int width, height;
} thumb_dims_t;

/* The size libvips' thumbnail makes of a w x h image (upright) at size s without --crop, found by
 * libvips itself on a lazy image (no pixel is computed): the size every derived size is made to,
 * so that each equals vipsthumbnail's for the same box, to the pixel. {0, 0} if libvips fails. */
thumb_dims_t thumb_dims_for(const thumb_opts_t *o, const thumb_size_t *s, int w, int h);

/* With --crop, the box that size s of a w x h image (upright) fills before it is cropped: its
 * width and no limit on height, or the other way round. Decoding to it (without crop) gives an
 * image every size can be cropped from, as libvips would crop each from the file. */
thumb_size_t thumb_fill_box(const thumb_size_t *s, int w, int h);

/* libvips' crop mode for o->crop. */
VipsInteresting thumb_interesting(crop_t c);

/* A new image of img turned upright by EXIF orientation (2-8), as vips_autorot turns one that
 * carries it (the result carries none); img stays the caller's. NULL with libvips' error set. */
VipsImage *thumb_upright(VipsImage *img, int orientation);

/* Thumbnails an image already in memory (a developed RAW, a video frame) to box s: a box filter
 * first, by a whole factor that leaves at least twice the size asked for, as shrink-on-load does
 * for files (libvips 8.14's vips_thumbnail_image would run its Lanczos kernel over every pixel),
 * then vips_thumbnail_image, to the size thumb_dims_for gives in (or, with --crop and several
 * sizes, to thumb_fill_box's, uncropped: thumb_sizes crops). 0, or -1 with libvips' error set. */
int thumb_resize(const thumb_opts_t *o, VipsImage *in, const thumb_size_t *s, VipsImage **out);

/* Makes every size of t from base, an upright image already at size `big` (lazy or not) — with
 * --crop, either cropped to it or at least as large as the box it fills (thumb_fill_box) —:
 * decodes it into memory, derives the other sizes from it and encodes each into t->outs (or fails
 * t, naming the stage). Each derived size is made to dims[i] (NULL or {0, 0}: the size libvips
 * gives the whole image, thumb_dims_for of t->meta.width x height, the image as shown; libvips'
 * loaders shrink on load, each rounding its own way, so the libvips family asks its loader), or
 * with --crop cropped to its box; a cache's PNGs take their keys from t. base stays the caller's.
 */
void thumb_sizes(const thumb_opts_t *o, task_t *t, VipsImage *base, int big,
                 const thumb_dims_t *dims);

/* Converts in to 8-bit sRGB (or 8-bit grey, except for the cache), flattens alpha for JPEG, and
 * encodes it into out (g_malloc'd bytes, its size); for a thumbnail cache as its PNG with t's
 * keys. meta (NULL: none): where the placeholders of the pixels encoded go (--placeholder, from
 * the smallest size). 0, or -1 with libvips' error set. */
int thumb_encode(const thumb_opts_t *o, VipsImage *in, thumb_out_t *out, const task_t *t,
                 task_meta_t *meta);

/* Fails t with libvips' message for the call that just failed, after `what` ("cannot read
 * image"), copied at once so that messages never mix. */
void thumb_fail_vips(task_t *t, const char *what);

/* Frees the buffers libvips made for t (g_malloc'd; task_free would free them with free). */
void thumb_release(task_t *t);

/* Settles t after a family's make: TASK_MADE when nothing failed, else its buffers released (its
 * status and reason stand). codec_make does it after every family. */
void thumb_settle(task_t *t);

#endif
