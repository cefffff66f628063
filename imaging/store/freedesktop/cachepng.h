/* cachepng: the PNG files of the freedesktop thumbnail cache, made with libvips in a decoder
 * (Thumbnail Managing Standard 0.9.0): 8-bit sRGB with alpha, non-interlaced, nothing of the
 * source's metadata, and the Thumb:: text keys that let every file manager trust them. libvips
 * encodes the pixels; the keys go in tEXt chunks (iTXt for a value that is not ASCII) inserted
 * after the header, because GLib's own check (thumbnail::is-valid, asked by Nautilus and GTK's
 * file chooser) reads only tEXt, and libvips 8.14 writes its text fields as zTXt. Error
 * convention: 0, or -1 with libvips' error buffer set. */
#ifndef IMAGING_CACHEPNG_H
#define IMAGING_CACHEPNG_H

#include <stddef.h>
#include <stdint.h>
#include <vips/vips.h>

/* What a cache thumbnail says about its source. */
typedef struct cache_keys {
    const char *uri;     /* Thumb::URI: the canonical file:// URI */
    int64_t mtime;       /* Thumb::MTime: its modification time, whole seconds */
    uint64_t size;       /* Thumb::Size: its bytes */
    const char *mime;    /* Thumb::Mimetype; NULL: not written */
    int width, height;   /* Thumb::Image::Width/Height: the image as shown; 0: not written */
    double movie_length; /* Thumb::Movie::Length: a clip's length in seconds; 0: not written */
} cache_keys_t;

/* Encodes in (8-bit sRGB, with or without alpha) as a cache PNG into a g_malloc'd *buf. */
int cachepng_encode(VipsImage *in, const cache_keys_t *k, void **buf, size_t *len);

/* A failure entry: a 1x1 transparent PNG with Thumb::URI and Thumb::MTime (and Size). */
int cachepng_fail_entry(const cache_keys_t *k, void **buf, size_t *len);

/* The MIME type of what a libvips loader (vips_foreign_find_load's name) reads, for the file
 * called name; NULL when unknown. */
const char *cachepng_mime(const char *loader, const char *name);

#endif
