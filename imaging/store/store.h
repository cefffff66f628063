/* store: where thumbnails go. One interface, one file per backend: the folder store
 * (folder.c: atomic renames beneath a descriptor of DST) and the S3 store (s3.c: one PUT per
 * thumbnail). store_open picks the backend by the form of DST, so cmd/ and batch.c never name one.
 *
 * Output paths are what output_path() makes of DST: "DST/rel/name.ext"; a store turns one into its
 * own address (a file beneath DST, a key under the bucket's prefix).
 *
 * Threads: `fresh` is called by the lister thread only. `put` is called by the store's writer
 * threads (ops->writers of them, a fan-out: the folder store has one, the S3 store several so that
 * network round trips overlap); `thread_exit` runs in each writer thread as it ends.
 *
 * Error convention: open and put return 0, or -1 with the reason in words in err. */
#ifndef IMAGING_STORE_H
#define IMAGING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "done.h"
#include "s3.h"

typedef struct store store_t;

typedef struct store_ops {
    /* True when the output exists and is not older than a source modified at src_mtime. */
    bool (*fresh)(store_t *s, const char *path, const struct timespec *src_mtime);
    int (*put)(store_t *s, const char *path, const void *buf, size_t len, char *err, size_t errsz);
    void (*thread_exit)(store_t *s);
    void (*close)(store_t *s);
} store_ops_t;

struct store {
    const store_ops_t *ops;
    unsigned writers; /* threads that call put */
};

typedef struct store_cfg {
    bool fsync;       /* folder: fsync each file before its rename */
    unsigned writers; /* S3: how many uploads at once */
    s3_conf_t *s3;    /* S3: the run's configuration (owned by the caller) */
} store_cfg_t;

/* Opens DST: "s3://BUCKET[/PREFIX]" or a folder (created if missing). Checks that it can be
 * written (a setup error otherwise). Returns the store, or NULL with err. */
store_t *store_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz);

store_t *store_folder_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz);
store_t *store_s3_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz);

/* Closes and frees a store (NULL is fine). */
void store_close(store_t *s);

/* The folder store's emergency clean-up, for the signal thread just before _exit: removes the
 * temporary file being written, if any, and keeps any other from appearing. */
void store_folder_emergency_cleanup(void *unused);

/* Creates dir and its missing parents (like mkdir -p), following symlinks: for DST itself, which
 * the user named. Returns 0 or an errno value. */
int make_dirs(const char *dir);

#endif
