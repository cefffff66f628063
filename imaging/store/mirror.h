/* mirror: the naming of the stores that mirror SRC below DST (the folder and S3 stores):
 * "DST[/LABEL]/rel's folders/NAME.EXT", and the way back from such a name to its source's path,
 * for --prune's scans. */
#ifndef IMAGING_STORE_MIRROR_H
#define IMAGING_STORE_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/options.h"
#include "core/task.h"

/* Output i of t is dst[/LABEL]/rel's folders/
 * NAME.EXT, NAME being o->name's template expanded (default: the source's name without its
 * extension) and LABEL size i's spelling when there are several sizes and the template has no %z
 * (output_path_named). Its records lie beside output 0: that folder's RECORD_PREFIX (the failure
 * record, t->fail.dst) or SKIP_RECORD_PREFIX (not an image, t->skip_dst) + the source's own name
 * (where that would be longer than NAME_MAX, its start + "~" + a hash of it). 0, or -1 with err. */
int store_name_mirror(const char *dst, task_t *t, const thumb_opts_t *o, char *err, size_t errsz);

/* How a record's name starts, by its kind (docs/DESIGN.md, "Identity and order"), so that a
 * listing tells the kind: hidden, so never a thumbnail to a scan, a gallery or a glob, and never
 * one of the writers' temporary names (".thumbgen-" and six characters). */
#define RECORD_PREFIX ".thumbgen-failed."
#define SKIP_RECORD_PREFIX ".thumbgen-skipped."

/* An identity record (docs/DESIGN.md, "Identity and order"), for a store whose rerun cannot read
 * what each object was made from (S3: a listing carries no metadata) but reads every name: beside
 * a source's first output, IDENT_PREFIX + 16 hex digits + "." + that output's own name. The
 * digits hash the verdict it stands for (made, failed, skipped), the source's identity
 * (store_ident) and the outputs' names, so the name alone says what was recorded at that output
 * name from what; the sources that share an output name (a clash) share its records. */
#define IDENT_PREFIX ".thumbgen-id."

/* The length of the record prefix (any kind; an identity record's with its digits and dot) that
 * a file's own name starts with, followed by a name; 0 when it is no record's name. */
size_t store_record_prefix(const char *name);

/* For a mirrored store's scan: when rel (a file's path below DST) is a record's name (any kind)
 * store_name_mirror can give with these options (in any size's folder), its source's path
 * relative to SRC, written into buf (an identity record's: as store_mirror_rel gives for the
 * output it stands beside); else NULL. */
const char *store_mirror_record_rel(const char *rel, const thumb_opts_t *o, char *buf, size_t n);

/* Which of src's objects path is, as bits: RECORD_FAILED or RECORD_SKIPPED (one of its records),
 * STORE_FIRST and STORE_LAST (its first and last outputs; one output is both); 0: none of them,
 * or src NULL. */
enum { STORE_FIRST = 4, STORE_LAST = 8 };
unsigned store_role(const task_t *src, const char *path);

/* The records of src that the put of path makes stale, into addrs: both kinds once path is src's
 * last output, the other kind once path is one of its records; held_only: only those the store
 * holds (src->held, as the lister saw them). Returns how many. */
size_t store_stale_records(const task_t *src, const char *path, bool held_only, char *addrs[2]);

/* The address of t's identity record for verdict (0: made; RECORD_FAILED, RECORD_SKIPPED) and
 * t's identity as it is now, its outputs' addresses hashed from their skip'th byte on (DST's
 * length and slash: where they lie does not count), malloc'd; NULL: out of memory or no output. */
char *store_ident_record(const task_t *t, int verdict, size_t skip);

/* When addr is an identity record's address, the address of the output it stands beside (written
 * into buf, n bytes); else NULL. */
const char *store_ident_record_of(const char *addr, char *buf, size_t n);

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

/* The mtime that records a source's m where times are kept to the second or coarser and no
 * xattrs (exFAT, FAT). Those keep 1980 to 2107 only, and give back a time outside wrapped
 * (fusefat turns 1975 into 2103), so one outside is folded into that span, a day in from each end
 * (FAT keeps local time), by whole spans: the same when writing as when comparing, so a photo
 * dated 1975 is up to date on a stick too. A time inside is m itself. */
struct timespec store_kept_time(struct timespec m);

#endif
