/* filetype: the one table of the file name extensions thumbgen knows, each with the codec family
 * that reads it (decoder/codec.c claims a file by it) and the MIME type shared-mime-info gives it
 * (a thumbnail cache's Thumb::Mimetype; NULL for libvips' images, whose type their loader
 * names). A new extension, or a new family's extensions, is rows here and nowhere else; the
 * README's RAW list is checked against it (test_naming).
 *
 * Error convention: lookups answer NULL or false; nothing here fails. */
#ifndef IMAGING_CORE_FILETYPE_H
#define IMAGING_CORE_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { FAMILY_IMAGE, FAMILY_RAW, FAMILY_VIDEO } family_t;

typedef struct filetype {
    const char *ext; /* lower case, without the dot */
    family_t family;
    const char *mime;
} filetype_t;

extern const filetype_t filetypes[];
extern const size_t nfiletypes;

/* The row of the extension of path's last component (case-insensitively), or NULL. */
const filetype_t *filetype_of(const char *path);

/* True when path's extension names an image format, camera RAW included: such a file that cannot
 * be read is a failure, not silently skipped. */
bool has_image_extension(const char *path);

/* True when path's extension names a video clip's format. */
bool has_video_extension(const char *path);

/* True when path's last component has an extension that no family takes (a sidecar: .json,
 * .AAE, .xmp; a text file): not an image, decided from the name alone, so that such a file is
 * never read (nor, from S3, fetched) and never owns a thumbnail's name. A name without an
 * extension is not decided here: its bytes are (once: the folder and S3 stores remember the
 * verdict, docs/DESIGN.md). */
bool never_an_image(const char *path);

#endif
