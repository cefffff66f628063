/* filetype: the one table of the file name extensions thumbgen knows, each with the codec family
 * that reads it (decoder/codec.c loads the module a row names, and knows no family itself) and
 * the MIME type shared-mime-info gives it (a thumbnail cache's Thumb::Mimetype; NULL for libvips'
 * images, whose type their loader names). A new extension, or a new family's extensions, is rows
 * here and nowhere else; the README's RAW list is checked against it (test_naming).
 *
 * Error convention: lookups answer NULL or false; nothing here fails. */
#ifndef IMAGING_CORE_FILETYPE_H
#define IMAGING_CORE_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct filetype {
    const char *ext; /* lower case, without the dot */
    /* Its family: the module that reads it, thumbgen-MODULE.so (decoder/codec.h; NULL: libvips'
     * loaders), and the family in words, for messages ("camera RAW"). */
    const char *module, *family;
    const char *mime; /* a clip's is video/... */
} filetype_t;

extern const filetype_t filetypes[];
extern const size_t nfiletypes;

/* The row of the extension of path's last component (case-insensitively), or NULL. */
const filetype_t *filetype_of(const char *path);

/* True when path's extension names an image format, camera RAW included: such a file that cannot
 * be read is a failure, not silently skipped. */
bool has_image_extension(const char *path);

/* True when path's extension names a video clip's format (its MIME type is video/...): --no-video
 * passes it by, and an image's claim to a name beats it. */
bool has_video_extension(const char *path);

/* True when path's last component has an extension that no family takes (a sidecar: .json,
 * .AAE, .xmp; a text file): not an image, decided from the name alone, so that such a file is
 * never read (nor, from S3, fetched) and never owns a thumbnail's name. A name without an
 * extension is not decided here: its bytes are (once: the folder and S3 stores remember the
 * verdict, docs/DESIGN.md). */
bool never_an_image(const char *path);

#endif
