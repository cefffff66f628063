/* frames: an animated GIF's frames, decoded into memory for --animated, without their alpha band
 * when no pixel is transparent.
 *
 * Why not vips_thumbnail_source, as for every other input: libvips 8.14 loads a GIF with an alpha
 * band whether or not any pixel ends up transparent (a frame that leaves earlier pixels showing
 * uses a transparent index, so most animations carry an alpha band that is 255 throughout), and
 * vips_thumbnail premultiplies any image with alpha, taking it to float: the resize then costs
 * three times what it does on the 8-bit image. GIF has no shrink-on-load to lose by decoding
 * first (animated WebP has, and keeps the streaming path). The band is dropped while the frames
 * are copied out of libvips' pipeline (libvips 8.14's vips_extract_band copies byte by byte and
 * took longer than the resize); every resize, conversion and encode stays libvips'.
 *
 * Runs in the decoder. Error convention: frames_load returns 0, or -1 with libvips' error set. */
#ifndef IMAGING_DECODER_FRAMES_H
#define IMAGING_DECODER_FRAMES_H

#include <stdbool.h>
#include <vips/vips.h>

/* True when an animation that loader reads, frames of w x h pixels of bands bytes each, goes
 * through frames_load: a GIF whose frames fit in memory, at most 256 MiB and a quarter of the
 * process's address-space limit (beyond that it streams, alpha and all). */
bool frames_wanted(const char *loader, int w, int h, int frames, int bands);

/* Decodes every frame of source (as with "n=-1": one image, the frames one above the other, with
 * the source's metadata, "page-height" and "delay" among it) into memory. The alpha band is
 * dropped when every pixel of every frame is opaque. *out is the caller's reference; the memory
 * behind it goes back to this module when *out is closed, for the next animation (a fresh
 * allocation of that size per file costs the kernel as much time as decoding the file). */
int frames_load(VipsSource *source, VipsImage **out);

#endif
