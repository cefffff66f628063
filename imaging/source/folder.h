/* The folder source's parts (folder.c), which the watcher (watch.c) builds on: a watched SRC is
 * first walked like any folder, and then each change is taken the same way. Error convention:
 * folder_src_init returns 0, or -1 with the reason in words in err; the rest report through the
 * sink. */
#ifndef IMAGING_SOURCE_FOLDER_H
#define IMAGING_SOURCE_FOLDER_H

#include <stdbool.h>
#include <stddef.h>

#include "source/source.h"

typedef struct folder_src {
    source_t base;
    char *src, *dst; /* a local DST inside SRC is never walked */
    size_t
        rel_off; /* where a path relative to SRC starts: SRC's length, less trailing slashes, + 1 */
    bool follow_symlinks;
    /* Called with each folder the walk enters, before its names are read (NULL: none): the
     * watcher adds its watch there, so that a folder is watched before it is listed. */
    void (*on_folder)(void *ctx, source_sink_t *k, const char *dir);
    void *on_folder_ctx;
} folder_src_t;

/* Checks SRC (a folder or a regular file) and fills fs from cfg (not fs->base). */
int folder_src_init(folder_src_t *fs, const source_cfg_t *cfg, char *err, size_t errsz);
void folder_src_fini(folder_src_t *fs);

/* The folder source's list and count (source_ops_t's). */
void folder_list(source_t *base, source_sink_t *k);
bool folder_count(source_t *base, const atomic_bool *stop, uint64_t *n, uint32_t shard_k,
                  uint32_t shard_n);

/* Walks the tree under folder dir (SRC or a folder in it; dir included), handing its files to
 * the sink folder by folder. */
void folder_walk(const folder_src_t *fs, source_sink_t *k, const char *dir);

/* Hands the sink one file, dir/name, if it is (still) a regular file thumbgen takes, with the
 * clash rule settled against the other files of its folder. False once the run is cancelled. */
bool folder_take(const folder_src_t *fs, source_sink_t *k, const char *dir, const char *name);

#endif
