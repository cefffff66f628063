/* mirror: the naming of the stores that mirror SRC below DST (the folder and S3 stores):
 * "DST[/LABEL]/rel's folders/NAME.EXT", and the way back from such a name to its source's path,
 * for --prune's scans. */
#ifndef IMAGING_STORE_MIRROR_H
#define IMAGING_STORE_MIRROR_H

#include <stddef.h>
#include <time.h>

#include "core/options.h"
#include "core/task.h"

/* Output i of t is dst[/LABEL]/rel's folders/
 * NAME.EXT, NAME being o->name's template expanded (default: the source's name without its
 * extension) and LABEL size i's spelling when there are several sizes and the template has no %z
 * (output_path_named). Its failure record (t->fail.dst) lies beside output 0: that folder's
 * RECORD_PREFIX + the source's own name (none when that name would be longer than NAME_MAX).
 * 0, or -1 with err. */
int store_name_mirror(const char *dst, task_t *t, const thumb_opts_t *o, char *err, size_t errsz);

/* How a failure record's name starts (docs/DESIGN.md, "Identity and order"): hidden, so never a
 * thumbnail to a scan, a gallery or a glob, and never one of the writers' temporary names
 * (".thumbgen-" and six characters). */
#define RECORD_PREFIX ".thumbgen-failed."

/* For a mirrored store's scan: when rel (a file's path below DST) is a failure record's name
 * store_name_mirror can give with these options (in any size's folder), its source's path
 * relative to SRC, written into buf; else NULL. */
const char *store_mirror_record_rel(const char *rel, const thumb_opts_t *o, char *buf, size_t n);

/* For a mirrored store's scan: when rel (a file's path below DST) is a name store_name_mirror
 * can give with these options, the part of it that stands for the source (rel without its size
 * folder); else NULL. */
const char *store_mirror_rel(const char *rel, const thumb_opts_t *o);

/* A source's identity as a mirrored store records it with each output: "size=BYTES
 * mtime=SECONDS.NANOSECONDS src=REL" (REL: its path relative to SRC, as listed). Returns its
 * length (at most n - 1; longer: truncated, and then never equal to a recorded one). */
size_t store_ident(const task_t *t, char *buf, size_t n);

/* The same identity as one time for a thumbnail's own mtime, so that one lstat compares it: the
 * source's seconds, and as nanoseconds the FNV-1a 64-bit hash of its size, its mtime to the
 * nanosecond and its path relative to SRC, modulo 10^9 (two sources collide once in 10^9). */
struct timespec store_ident_time(const task_t *t);

#endif
