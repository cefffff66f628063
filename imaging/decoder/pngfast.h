/* pngfast: a PNG's pixels for the fast path (decoder/fastpath.h; docs/DESIGN.md, "The fast
 * path"). Debian 12's zlib 1.2.13 inflates at half libdeflate's speed, and inflating is half of a
 * PNG's decode, but libpng inflates with zlib only. So libdeflate inflates the image data whole,
 * and libpng reads the PNG again with that data stored in it uncompressed, each row a stored
 * deflate block made as libpng asks for it, which zlib only copies: libpng still does all of a
 * PNG's decoding (unfiltering, palettes).
 *
 * Error convention: NULL when it declines (nothing kept); the caller then takes libvips' path,
 * which says what is wrong with a broken file in its own words. */
#ifndef IMAGING_DECODER_PNGFAST_H
#define IMAGING_DECODER_PNGFAST_H

#include <stddef.h>

/* The pixels of the w x h PNG in file fd (read whole; the caller keeps fd): rows packed, *bands (1:
 * grey, 3: RGB) per pixel, malloc'd with 64 bytes to spare (libswscale reads a little past the
 * end). Only what libvips' loader gives the same pixels for is taken: 8 bits, grey, RGB or a
 * palette without transparency, not interlaced, every chunk's CRC right and the image data
 * complete. And at most 40 million pixels and 65534 bytes a row (21844 RGB pixels), in a file at
 * most 4 MiB (and a 1024th) larger than its inflated data: a larger one is streamed by libvips'
 * path, in far less memory. Any libpng warning declines too. */
unsigned char *pngfast_decode(int fd, int w, int h, int *bands);

#endif
