/* thumbhash: the ThumbHash of a thumbnail (https://evanw.github.io/thumbhash/), a placeholder of
 * about 25 bytes that a page paints, blurred, while the thumbnail loads (--placeholder
 * thumbhash). The encoding is the reference's (Evan Wallace's rgbaToThumbHash, the `thumbhash` npm
 * package): the average colour, and a few DCT terms of luminance, two colour differences and
 * alpha, quantised. Its arithmetic follows the reference's order and rounding (JavaScript's
 * Math.round: half up), so the bytes equal the reference's on the same pixels (test_cli_thumbhash
 * checks them against the pinned package). libvips does every resize; this is only the encoding.
 *
 * Runs in the decoder (placeholder.h gives it the pixels). Error convention: thumbhash_encode
 * returns 0 only when out of memory. */
#ifndef IMAGING_DECODER_THUMBHASH_H
#define IMAGING_DECODER_THUMBHASH_H

#include <stddef.h>
#include <stdint.h>

#define THUMBHASH_MAX 25 /* bytes: 5 of header (6 with alpha), at most 19 of AC terms */

/* The ThumbHash of w x h (each 1..100) pixels of 8 bits a band, row by row, not premultiplied:
 * bands 4 RGBA, 3 RGB, 2 grey and alpha, 1 grey (as the reference's RGBA with the grey in R, G
 * and B, alpha 255 where there is none), into out; returns its length (0: out of memory). */
size_t thumbhash_encode(int w, int h, int bands, const uint8_t *px, uint8_t out[THUMBHASH_MAX]);

#endif
