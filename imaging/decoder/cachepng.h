/* cachepng: the PNG files of a thumbnail cache (the Thumbnail Managing Standard 0.9.0's), made
 * with libvips in a decoder: 8-bit sRGB with alpha, non-interlaced, nothing of the source's
 * metadata, and the Thumb:: text keys that let every file manager trust them, from the task (its
 * URI, modification time and size, as the store asked) and its metadata (MIME type, size as
 * shown, a clip's length). libvips encodes the pixels; the keys go in tEXt chunks (iTXt for a
 * value that is not ASCII) inserted after the header, because GLib's own check
 * (thumbnail::is-valid, asked by Nautilus and GTK's file chooser) reads only tEXt, and libvips
 * 8.14 writes its text fields as zTXt. Error convention: cachepng_encode returns 0, or -1 with
 * libvips' error buffer set; cachepng_fail_entry settles the task. */
#ifndef IMAGING_DECODER_CACHEPNG_H
#define IMAGING_DECODER_CACHEPNG_H

#include <stddef.h>
#include <vips/vips.h>

#include "core/task.h"

/* Encodes in (8-bit sRGB, with or without alpha) as a cache PNG of t into a g_malloc'd *buf. */
int cachepng_encode(VipsImage *in, const task_t *t, void **buf, size_t *len);

/* Makes t's failure record (a 1x1 transparent PNG with only Thumb::URI, Thumb::MTime and
 * Thumb::Size) into t->fail, setting TASK_MADE, or TASK_FAILED with the reason. */
void cachepng_fail_entry(task_t *t);

/* The MIME type of what a libvips loader (vips_foreign_find_load's name) reads, for the file
 * called name; NULL when unknown. */
const char *cachepng_mime(const char *loader, const char *name);

#endif
