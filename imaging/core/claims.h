/* claims: the rules every listing shares, whatever its source. A file found (src_file_t) claims an
 * output name; when several files of one folder claim the same name (a.png, a.gif -> a.jpg), the
 * clash rule gives it to one of them. Under --shard K/N, shard K claims the files whose relative
 * path hashes to it. Pure work on names, no I/O; used by the sources (source/) and the batch's
 * lister and pruner (batch/). */
#ifndef IMAGING_CORE_CLAIMS_H
#define IMAGING_CORE_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/options.h"

/* One file found by a source. */
typedef struct src_file {
    char *path;        /* as the user knows it (a path, s3://BUCKET/KEY), malloc'd */
    size_t rel_off;    /* where the path relative to SRC starts */
    const char *name;  /* its last component, inside path */
    char *key;         /* its output's name in its folder ("./stem.ext"), malloc'd; NULL: none */
    const char *owner; /* the name of the file that owns its output name, if another one does */
    struct timespec mtime;
    uint64_t size; /* bytes */
    int claim;     /* how strong its claim to key is, for claims_settle (0 strongest) */
} src_file_t;

/* Fills f for path (taken over), whose last component starts at name_off; its output name is
 * the one o gives it. */
void src_file_init(src_file_t *f, const thumb_opts_t *o, char *path, size_t rel_off,
                   size_t name_off, const struct timespec *mtime, uint64_t size);
void src_file_free(src_file_t *f);

/* The clash rule: marks every file whose output name is claimed by another file of files[0..n)
 * (one folder's, or a group that holds every possible rival) with that owner: an image or camera
 * RAW beats a clip, which beats a name without an extension; a file that is never an image
 * (never_an_image: a sidecar) claims nothing; then the name that sorts first byte by byte wins,
 * so the rule never depends on timing, -j or clocks. files[] ends in name order. */
void claims_settle(src_file_t *files, size_t n);

/* The shard a relative path belongs to among n (--shard K/N: FNV-1a 64 of its bytes, mod n). */
uint32_t shard_of(const char *rel, uint32_t n);

/* True when rel is shard k's of n (n 0 or 1: no sharding, every path is). */
bool shard_takes(const char *rel, uint32_t k, uint32_t n);

#endif
