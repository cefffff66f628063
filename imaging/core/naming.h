/* naming: where a source's thumbnail goes. SRC/a/b/c.png -> DST/a/b/c.<ext>, and with several
 * sizes DST/<size>/a/b/c.<ext>. Pure string work, no I/O.
 *
 * Error convention: the path builders return a malloc'd string, or NULL with errno set; the
 * predicates answer true or false. */
#ifndef IMAGING_NAMING_H
#define IMAGING_NAMING_H

#include <stdbool.h>

/* True when rel is a non-empty relative path whose components are all non-empty and none is "."
 * or "..": a path that cannot climb out of the folder it is joined to. */
bool rel_path_safe(const char *rel);

/* a + "/" + b, malloc'd (NULL on ENOMEM). */
char *path_join(const char *a, const char *b);

/* The output path for relative source path rel: dst[/label]/rel with the extension of rel's last
 * component replaced by ext (added if it has none). malloc'd; NULL with errno EINVAL if rel is not
 * rel_path_safe or label is not a single safe component, ENAMETOOLONG if the new file name would
 * exceed NAME_MAX, ENOMEM. */
char *output_path(const char *dst, const char *label, const char *rel, const char *ext);

/* True when the file name (last component of path) has an extension that names an image format,
 * case-insensitively: such a file that libvips cannot read is a failure, not silently skipped. */
bool has_image_extension(const char *path);

#endif
