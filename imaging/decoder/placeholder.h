/* placeholder: what --placeholder asks of a thumbnail, in the decoder: the ThumbHash
 * (thumbhash.h) and the BlurHash (blurhash.h, 4 x 3 terms, 3 x 4 for a portrait) of the pixels
 * about to be encoded for the smallest size, fitted into 100 x 100 first when larger, into the
 * task's metadata (task_meta_t), which the protocol carries whole to the manifest writer.
 *
 * The fitting is libswscale's (bilinear: a hash keeps only a blur), not libvips': building a
 * vips_resize for each image cost 1.1 ms of CPU (a 256 x 171 thumbnail), more than twice the hash
 * itself, where libswscale, its context kept between images of one size, takes 0.16 ms.
 *
 * Error convention: placeholder_make returns 0, or -1 with libvips' error set. */
#ifndef IMAGING_DECODER_PLACEHOLDER_H
#define IMAGING_DECODER_PLACEHOLDER_H

#include <vips/vips.h>

#include "core/task.h"

/* Fills m->thumbhash (base64) and m->blurhash as `which` (PLACEHOLDER_ flags) asks, from im: 8-bit
 * sRGB or grey, with or without alpha (an animation: its first frame). */
int placeholder_make(VipsImage *im, unsigned which, task_meta_t *m);

#endif
