/* source: where the files to thumbnail come from. One interface, one file per backend: a folder
 * walk (folder.c), a list of paths (files.c, --files-from), an S3 listing (s3.c). source_open
 * picks the backend by the form of SRC and the options, so nothing outside this room names one.
 *
 * A source's `list` runs in the lister thread and hands what it finds, a batch at a time, to the
 * sink it is given (source_sink_t, below: the batch's lister is one), and calls nothing else
 * outside its room; the rules every listing shares are core/claims.h's.
 *
 * `open` is the one way a task's bytes come in: it returns an open descriptor that the worker
 * passes to its decoder as it is (the folder and list sources open the file; the S3 source
 * downloads the object into a memory file). With `openers` 0 the worker thread calls it itself,
 * just before decoding; a source whose bytes are remote asks for that many opener threads of its
 * own between the lister and the workers, so that downloads overlap decodes. Whichever thread
 * calls `open` first calls thread_init (NULL: no state of its own), hands what it returned to its
 * every open, and to thread_exit as it ends.
 *
 * Error convention: source_open returns the source, or NULL with the reason in words in err (a
 * setup error); `open` returns a descriptor (O_CLOEXEC, the caller's to close) positioned at the
 * start of the bytes, as a fresh open is (a decoder may read from where it is), or -1 with the
 * whole reason in words in err ("cannot open: ...", "cannot download: ..."), setting
 * t->unreadable when the source could not be read at all (no failure entry is made for it), and
 * t->reason to "gone" when it no longer exists (a file or object removed since it was listed). */
#ifndef IMAGING_SOURCE_H
#define IMAGING_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/claims.h"
#include "core/options.h"
#include "core/task.h"
#include "pipeline/done.h"
#include "s3/s3.h"

typedef struct source source_t;
typedef struct source_sink source_sink_t;

/* What a source's list hands its findings to. Each call takes the sink itself. */
struct source_sink {
    const thumb_opts_t *opts; /* how outputs are named (src_file_init) */
    done_t *done;             /* the run's, for a source that waits on something else too */
    done_t *end; /* fired when the run is to end after the listing in hand (the store is full):
                  * a source that waits for changes (--watch) stops waiting; NULL: never */
    /* What came from a folder that goes away must be found out (--prune removes its thumbnails,
     * --html forgets its failures): a source that cannot tell it file by file (--watch, for a
     * folder deleted or moved away) rescans SRC. */
    bool forgets;
    /* Settles or emits files[0..n) in order, their claims settled (claims_settle). False once
     * the run is cancelled. */
    bool (*emit)(source_sink_t *k, src_file_t *files, size_t n);
    /* A failure that is no task's (an unreadable folder, a failed listing page). unlisted: the
     * path relative to SRC of the folder whose listing it leaves incomplete ("": all of SRC), so
     * that --prune removes nothing under it; NULL when the listing is still whole. */
    void (*failure)(source_sink_t *k, const char *path, const char *unlisted, const char *reason);
    /* Something to tell the user that is not a failure (not counted): "thumbgen: PATH: text". */
    void (*note)(source_sink_t *k, const char *path, const char *text);
    /* The source at path (relative part from rel_off) was deleted or moved away: with --prune,
     * its outputs are removed from the store (if this shard's). */
    void (*gone)(source_sink_t *k, const char *path, size_t rel_off);
    /* For a source that lists SRC more than once (--watch): a pass over the whole of SRC begins;
     * and one is over (with --prune, and when it was not cut short, the store is pruned), with
     * `folders` folders watched. */
    void (*pass_start)(source_sink_t *k);
    void (*pass_done)(source_sink_t *k, uint64_t folders);
    /* During a pass (after pass_start): the folder rel (relative to SRC) was deleted or moved
     * away, by a rename the source saw, so what the pass's pruning removes under it is not
     * weighed by --prune-max (the guard is for a SRC that is wrong or gone, not a folder the user
     * moved: renaming the larger half of a library must not leave its old thumbnails). */
    void (*folder_gone)(source_sink_t *k, const char *rel);
};

typedef struct source_ops {
    void (*list)(source_t *s, source_sink_t *k);
    /* Counts ahead what list will find (names only, no output checks), for the progress bar's
     * total, in a thread of its own beside the lister: adds to *n as it goes; stops when *stop is
     * set. True when the count is complete. NULL: the source cannot count ahead. */
    bool (*count)(source_t *s, const atomic_bool *stop, uint64_t *n, uint32_t shard_k,
                  uint32_t shard_n);
    void *(*thread_init)(source_t *s);
    int (*open)(source_t *s, void *local, task_t *t, char *err, size_t errsz);
    void (*thread_exit)(source_t *s, void *local);
    /* --stats: the requests this source made, in words, given how many images were made. NULL:
     * nothing to say. */
    void (*stats)(source_t *s, uint64_t made, char *buf, size_t size);
    void (*close)(source_t *s);
} source_ops_t;

struct source {
    const source_ops_t *ops;
    unsigned openers; /* 0: the workers open */
};

typedef struct source_cfg {
    const char *src;
    const char *dst;        /* a local DST inside SRC is not walked */
    const char *files_from; /* a file of paths relative to SRC ("-": stdin), or NULL */
    char list_sep;          /* '\n' or '\0' */
    bool follow_symlinks;
    bool watch;       /* keep watching SRC (a local folder) after the first pass: watch.c */
    unsigned openers; /* threads downloading at once, for a remote source */
    unsigned retries; /* remote: attempts after a failed request */
    done_t *done;     /* the run's: wakes requests in flight when it fires (owned by the caller) */
} source_cfg_t;

source_t *source_open(const source_cfg_t *cfg, char *err, size_t errsz);

source_t *source_folder_open(const source_cfg_t *cfg, char *err, size_t errsz);
source_t *source_files_open(const source_cfg_t *cfg, char *err, size_t errsz);
source_t *source_s3_open(const source_cfg_t *cfg, char *err, size_t errsz);
source_t *source_watch_open(const source_cfg_t *cfg, char *err, size_t errsz);

/* thumbgen-testhooks: a file named .thumbgen-test-overflow appearing in a watched folder counts
 * as an inotify queue overflow (the real one needs a root-only sysctl to provoke). */
extern bool source_watch_test_hooks;

/* Closes and frees a source (NULL is fine). */
void source_close(source_t *s);

/* The local sources' view of name in the folder open as at (or of a path, with AT_FDCWD): its
 * lstat, or, for a symlink that is followed (follow_symlinks), its target's stat. 0 with *st
 * filled; 1 for a symlink not followed or dangling (passed over); -1 when lstat failed (errno). */
int source_stat_local(int at, const char *name, bool follow_symlinks, struct stat *st);

/* Opens a local file for the decoder (the folder and list sources' `open`, local.c): read-only,
 * never blocking on a FIFO swapped in since the listing, and only if it is still a regular file.
 * Sets t's identity from the descriptor (t->opened); a file gone since its listing sets t->reason
 * to "gone" (skipped, not failed). */
int source_open_local(source_t *s, void *local, task_t *t, char *err, size_t errsz);

#endif
