/* naming: where a source's thumbnail goes. SRC/a/b/c.png -> DST/a/b/c.<ext>, and with several
 * sizes DST/<size>/a/b/c.<ext>. Pure string work, no I/O.
 *
 * Error convention: the path builders return a malloc'd string, or NULL with errno set; the
 * predicates answer true or false. */
#ifndef IMAGING_NAMING_H
#define IMAGING_NAMING_H

#include <stdbool.h>
#include <stddef.h>

/* True when rel is a non-empty relative path whose components are all non-empty and none is "."
 * or "..": a path that cannot climb out of the folder it is joined to. */
bool rel_path_safe(const char *rel);

/* The length of path without its trailing slashes ("/" stays "/"). */
size_t path_trimmed_len(const char *path);

/* a + "/" + b, malloc'd (NULL on ENOMEM). */
char *path_join(const char *a, const char *b);

/* The output path for relative source path rel: dst[/label]/rel with the extension of rel's last
 * component replaced by ext (added if it has none). malloc'd; NULL with errno EINVAL if rel is not
 * rel_path_safe or label is not a single safe component, ENAMETOOLONG if the new file name would
 * exceed NAME_MAX, ENOMEM. */
char *output_path(const char *dst, const char *label, const char *rel, const char *ext);

#include "core/options.h"

/* True when tmpl is a --name template: at most THUMB_NAME_MAX - 1 bytes, no slash, only the
 * tokens %s (the source's name without its extension), %e (its extension, without the dot), %z
 * (the size's label) and %% (a percent sign), and %s among them. */
bool name_template_valid(const char *tmpl);

/* True when tmpl holds %z: every size then has its own name, in the mirrored folder itself. */
bool name_template_has_size(const char *tmpl);

/* output_path with a name template (NULL: "%s") for rel's last component: dst[/label]/rel's
 * folders/NAME.ext, NAME being tmpl expanded for rel's file name and size (the size's label, for
 * %z; may be NULL). NULL with errno as output_path's, EINVAL also when the expansion is empty
 * (the name would be hidden). */
char *output_path_named(const char *dst, const char *label, const char *rel, const char *tmpl,
                        const char *size, const char *ext);

/* The extension of path's last component, after its last dot (a leading dot starts no
 * extension), pointing into path; NULL when it has none. */
const char *extension_of(const char *path);

#endif
