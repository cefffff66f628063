/* fastpath: the libvips family's fast path for the common JPEG and PNG (docs/DESIGN.md, "The fast
 * path"). An 8-bit YCbCr or greyscale JPEG, baseline or progressive, is decoded by libjpeg-turbo
 * at the smallest M/8 DCT scale that still covers the largest size asked for; an 8-bit grey, RGB
 * or palette PNG without transparency is decoded whole (decoder/pngfast.h). Either is scaled by
 * libswscale (Lanczos, SIMD) to the largest size, each smaller size scaled from the largest's
 * pixels (as libvips' path derives them from its largest thumbnail), and each handed to libvips as
 * a memory image for the rest: ICC conversion, orientation, crop, encoding (thumbnail.h's shared
 * steps). libvips 8.14 resamples with scalar C; libswscale's kernels are vectorised.
 *
 * Each size is the size libvips' own thumbnail gives it, to the pixel: libvips' JPEG
 * shrink-on-load factor for that box (a PNG has none), then libvips' rounding (thumb_dims_for) on
 * the shrunk size.
 *
 * Anything else declines before any output is made, and the caller goes on with libvips' path:
 * CMYK/YCCK, RGB, 12-bit, arithmetic coding, lossless JPEG; 16-bit, alpha, interlaced PNG;
 * upscaling, --keep-metadata, and any error or warning of libjpeg, libdeflate or libpng (a corrupt
 * or truncated file then fails with libvips' words). */
#ifndef IMAGING_DECODER_FASTPATH_H
#define IMAGING_DECODER_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/options.h"
#include "core/task.h"

/* What libvips' header said of the source (stored orientation, before turning). */
typedef struct fastpath_src {
    bool png;          /* a PNG, else a JPEG */
    int fd;            /* the file, read whole (a JPEG mapped); the caller keeps it */
    int width, height; /* as stored */
    int orientation;   /* EXIF orientation, 1..8 */
    const void *icc;   /* the embedded ICC profile, or NULL; the caller keeps it */
    size_t icc_len;
    const char *export_profile; /* "srgb": convert with icc, as libvips' path does; else NULL */
} fastpath_src_t;

/* Makes every size of t from src into t->outs, as thumb_sizes would, or fails t (a libvips step
 * after the decode failed). Returns false, having touched nothing of t, when it declines: the
 * caller then takes libvips' path. */
bool fastpath_make(const thumb_opts_t *o, task_t *t, const fastpath_src_t *src);

#endif
