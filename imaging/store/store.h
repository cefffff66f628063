/* store: where thumbnails go. One interface, one file (or folder) per backend: the folder store
 * (folder.c), and the backends whose DST has a form of its own (a URL, a word such as null:),
 * listed in store.c's chooser. store_place and store_open pick the backend by the form of DST,
 * so nothing outside this room names one; each backend reads its own environment, checks SRC
 * against itself, and reports its own requests (`stats`).
 *
 * A store owns its naming: `name` gives each of a task's outputs its address, which only the
 * store reads back (a path beneath DST, a key under a prefix, a file in the cache). Most mirror
 * SRC: "DST[/LABEL]/rel.ext" (mirror.h).
 *
 * Threads: `name`, `fresh` and `verdict_before` are called by the lister thread only. `put` is
 * called by the store's writer threads (`writers` of them: a local store has one, a remote store
 * several so that network round trips overlap); each writer thread calls thread_init first (NULL:
 * no state of its own) and hands what it returned to its every put and to thread_exit. The
 * gallery opens two more (thread_init twice: one for its gets, one for its puts), and under
 * --watch its puts and removes overlap the writers' puts and the lister's removes: a store whose
 * writes share state serialises them (the folder store's put_mu, the S3 store's lister_mu).
 *
 * Error convention: store_open returns the store, or NULL with the reason in words in err; name
 * and put return 0, or -1 with the reason in words in err (put also sets errno: ENOSPC or EDQUOT
 * when the store is full, which stops the run: docs/DESIGN.md, "A full disk"); fresh and
 * verdict_before answer a question (false, or none, when they cannot tell). */
#ifndef IMAGING_STORE_H
#define IMAGING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/options.h"
#include "core/task.h"
#include "pipeline/done.h"

typedef struct store store_t;

/* One output a store holds that thumbgen's naming could have made (scan, for --prune). */
typedef struct store_entry {
    const char *addr; /* its address, as `name` gives them */
    /* What it stands for, relative to SRC: a mirrored store's output path below DST without its
     * size folder (a/b/c.jpg); the cache's, its source's own path (a/b/c.png). */
    const char *rel;
    int gone; /* the cache: 1 when its source no longer exists, else 0; mirrored stores: -1 */
    /* A mirrored store's failure record (RECORD_PREFIX, mirror.h), not a thumbnail: --prune
     * removes it with its source, but --prune-max counts thumbnails only. */
    bool record;
    /* Bookkeeping that goes exactly when the address `with` would (an identity record, with the
     * output it stands beside: mirror.h): removed unseen, never counted; NULL: none. */
    const char *with;
} store_entry_t;

typedef bool (*store_entry_fn)(void *ctx, const store_entry_t *e);
typedef void (*store_removed_fn)(void *ctx, const char *addr, const char *err);

typedef struct store_ops {
    /* Names t's outputs (t->outs[i].dst, and t->fail.dst where the store keeps failure records:
     * the cache, the folder and S3 stores; t->skip_dst where it keeps "not an image" records too:
     * the folder and S3 stores). 0, or -1 with err. */
    int (*name)(store_t *s, task_t *t, const thumb_opts_t *o, char *err, size_t errsz);
    /* True when output i of t is up to date: it records t's source as listed now (its identity:
     * docs/DESIGN.md, "Identity and order"). */
    bool (*fresh)(store_t *s, const task_t *t, int i);
    /* The kind of record (RECORD_FAILED or RECORD_SKIPPED, core/task.h) the store holds for t's
     * source as it is now (its identity: docs/DESIGN.md, "Identity and order"), 0: none; sets
     * t->held to the kinds it holds for t's source as it is now or was before, which the put of
     * t's last output (or of its other kind of record) then removes, and t->idents to the
     * identity records it holds beside t's outputs (the S3 store), which go before t's first
     * object is written, and before its outputs when t's source is gone. Asked only of a source
     * whose outputs are not up to date, cheaply (a file's keys, an lstat per kind, listings of
     * its outputs' folders, kept). NULL: the store keeps none. */
    int (*verdict_before)(store_t *s, task_t *t);
    void *(*thread_init)(store_t *s); /* NULL: writers have no state of their own */
    /* Writes buf at path, recording with it the identity of src, the source it was made from
     * (src NULL: none; the cache's PNGs carry their own). path is one of src's outputs, or one
     * of its records (src->fail.dst, src->skip_dst). Once src's last output is written, the
     * records the store holds for it (src->held) go; once one record is, the other kind's. A
     * store that keeps identity records removes those beside src's outputs (src->idents, and
     * any it wrote since) before src's first object, and writes the new one after its last. */
    int (*put)(store_t *s, void *local, const task_t *src, const char *path, const void *buf,
               size_t len, char *err, size_t errsz);
    void (*thread_exit)(store_t *s, void *local);
    /* Reads back a small file the store holds at path, an address below DST that put wrote (the
     * gallery's state, docs/DESIGN.md), with local from thread_init as put has it: 0 with *buf
     * (malloc'd, NUL-terminated) and *len; 1 when there is none; -1 with err. buf NULL: only
     * whether it is there (0 or 1; nothing is read: the gallery asks so of its pages). NULL: the
     * store cannot read back (the cache, null:). */
    int (*get)(store_t *s, void *local, const char *path, char **buf, size_t *len, char *err,
               size_t errsz);
    /* Calls fn for every output in the store that thumbgen could have made for SRC with these
     * options, until fn returns false: a mirrored store's files below DST in the format's
     * extension whose names the --name template can give (never hidden ones, never through a
     * symlink, never inside SRC); the cache's entries of every flavour and of thumbgen's own
     * fail/ folder whose Thumb::URI names a file under SRC. 0 when the store was scanned whole,
     * -1 with err when not (then nothing may be pruned). */
    int (*scan)(store_t *s, const thumb_opts_t *o, const char *src, store_entry_fn fn, void *ctx,
                char *err, size_t errsz);
    /* Removes addrs[0..n) (as scan or name gave them; the folder store then removes the folders
     * left empty, unless keep_folders), calling fn(ctx, addr, NULL) for each one removed and
     * fn(ctx, addr, reason) for each that could not be (nothing for one a folder store does not
     * hold; fn NULL: nothing at all; the S3 store calls fn with its listing connection held, so
     * fn must not remove). Called by the lister thread, while writers may be putting other
     * outputs (the folder store makes again a folder it needs that was removed meanwhile), and
     * by the gallery's (see above). */
    void (*remove)(store_t *s, char *const *addrs, size_t n, store_removed_fn fn, void *ctx);
    /* True when SRC is this store's own place (the same folder, bucket and prefix...), where
     * thumbnails would replace the originals. NULL: never. */
    bool (*same_place)(store_t *s, const char *src);
    /* --stats: the requests this store made, in words, given how many images were made. NULL:
     * nothing to say. */
    void (*stats)(store_t *s, uint64_t made, char *buf, size_t size);
    void (*close)(store_t *s);
} store_ops_t;

struct store {
    const store_ops_t *ops;
    unsigned writers;  /* threads that call put */
    bool unique_names; /* no two sources can get one name (the cache's MD5s): no clash rule */
    bool knows_gone;   /* scan says which entries' sources are gone (the cache) */
    bool
        cut_by_done; /* its requests end once the run's done fires (S3): nothing is written after */
};

typedef struct store_cfg {
    bool private_modes; /* folder: files 0600 and new folders 0700 (else 0666/0777 & ~umask) */
    bool fsync;         /* folder: fsync each file before its rename */
    bool keep_folders;  /* folder: removing files never removes a folder (the cache's own) */
    bool dry_run;       /* folder: a DST not there is not created (nothing in it is up to date) */
    unsigned writers;   /* remote: how many uploads at once */
    unsigned retries;   /* remote: attempts after a failed request */
    done_t *done; /* the run's: wakes requests in flight when it fires (owned by the caller) */
    /* The run's options, for a store that wants its outputs written its own way to say so
     * (format, want_mime) before any is made; the task says the rest (uri, fail.dst). */
    thumb_opts_t *opts;
} store_cfg_t;

/* Where DST's outputs go, settled before anything is opened (so SRC is checked against it first,
 * and a source never walks it): for a form that names a place of its own (the cache's), that
 * place, once its backend has checked SRC against it; else DST. The run's messages name this.
 * malloc'd; NULL with the whole message in err ("PATH: reason"). */
char *store_place(const char *dst, const char *src, char *err, size_t errsz);

/* Opens DST (its form, not its place): the backend whose form DST has (store.c's chooser), else
 * a folder (created if missing). Each backend reads its own environment and checks that it can be
 * written (a setup error otherwise). Returns the store, or NULL with err. */
store_t *store_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz);

/* Closes and frees a store (NULL is fine). */
void store_close(store_t *s);

/* The emergency clean-up of every store that writes files, for the signal thread just before
 * _exit: removes the temporary file being written, if any, and keeps any other from appearing. */
void store_emergency_cleanup(void);

#endif
