/* source: where the files to thumbnail come from. One interface, one file per backend: a folder
 * walk (folder.c), a list of paths (files.c, --files-from), an S3 listing (s3.c). source_open
 * picks the backend by the form of SRC and the options, so cmd/ and batch.c never name one.
 *
 * A source's `list` runs in the lister thread and hands what it finds to the lister a batch at a
 * time (lister.h: claims settled, then lister_emit). A source whose bytes are remote has `fetch`,
 * which the fetcher threads (`fetchers` of them) call to put a task's bytes in t->fd before it
 * reaches a resize worker; a local source leaves t->fd unset and the worker opens the file.
 *
 * Error convention: open returns NULL with the reason in words in err (a setup error); fetch
 * returns 0, or -1 with err. */
#ifndef IMAGING_SOURCE_H
#define IMAGING_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "lister.h"
#include "s3.h"
#include "task.h"

typedef struct source_ops {
    void (*list)(source_t *s, lister_t *l);
    int (*fetch)(source_t *s, task_t *t, char *err, size_t errsz); /* NULL: local files */
    void (*thread_exit)(source_t *s);                              /* fetcher threads */
    void (*close)(source_t *s);
} source_ops_t;

struct source {
    const source_ops_t *ops;
    unsigned fetchers;
};

typedef struct source_cfg {
    const char *src;
    const char *dst;        /* a local DST inside SRC is not walked */
    const char *files_from; /* a file of paths relative to SRC ("-": stdin), or NULL */
    char list_sep;          /* '\n' or '\0' */
    bool follow_symlinks;
    unsigned fetchers;
    s3_conf_t *s3;
} source_cfg_t;

source_t *source_open(const source_cfg_t *cfg, char *err, size_t errsz);
source_t *source_folder_open(const source_cfg_t *cfg, char *err, size_t errsz);
source_t *source_files_open(const source_cfg_t *cfg, char *err, size_t errsz);
source_t *source_s3_open(const source_cfg_t *cfg, char *err, size_t errsz);

/* Closes and frees a source (NULL is fine). */
void source_close(source_t *s);

#endif
