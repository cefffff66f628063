/* blurhash: the BlurHash of a thumbnail (https://blurha.sh), a placeholder of 20 to 30 characters
 * that a page paints, blurred, while the thumbnail loads (--placeholder blurhash): the average
 * colour and a few cosine terms of linear RGB, in base 83. The encoding is the reference's (Wolt's
 * `blurhash` npm package, encode), in its order of arithmetic, so the text equals the reference's
 * on the same pixels (test_cli_placeholder checks it against the pinned package). Alpha is not
 * encoded (the reference reads R, G and B only). libvips does every resize.
 *
 * Runs in the decoder (placeholder.h gives it the pixels). Error convention: cannot fail. */
#ifndef IMAGING_DECODER_BLURHASH_H
#define IMAGING_DECODER_BLURHASH_H

#include <stddef.h>
#include <stdint.h>

#define BLURHASH_MAX (4 + 2 * 81) /* characters, for 9 x 9 terms */

/* The BlurHash of w x h (each 1..100) pixels of 8 bits a band (bands as thumbhash_encode takes
 * them) with nx x ny terms (each 1..9) into out (at least 2 * nx * ny + 5 bytes, with its NUL);
 * returns its length. */
size_t blurhash_encode(int w, int h, int bands, const uint8_t *px, int nx, int ny, char *out);

#endif
