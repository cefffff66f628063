/* task: one source file's journey through the thumbnail pipeline. The lister allocates it, a
 * worker fills in the encoded thumbnails, a writer stores them, reports and frees it. Channels
 * carry task_t pointers: whoever holds the pointer owns the task.
 *
 * Every buffer a task holds in thumbgen's own process is malloc'd (the worker copies what its
 * decoder sends); in a decoder process, where libvips g_mallocs them, the decoder frees its own
 * (thumb_release, decoder/thumbnail.h) before the task goes. Error convention: task_new returns
 * NULL on ENOMEM; the rest cannot fail. */
#ifndef IMAGING_TASK_H
#define IMAGING_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/options.h"

/* TASK_NOT_ATTEMPTED: never decoded (or never written) because the store was full before its turn
 * (docs/DESIGN.md, "A full disk"). */
typedef enum {
    TASK_MADE,
    TASK_UP_TO_DATE,
    TASK_SKIPPED,
    TASK_FAILED,
    TASK_NOT_ATTEMPTED,
    TASK_NSTATUS
} task_status_t;

/* A field of the manifest line that nothing else reads, put by the family that knows it
 * (meta_put): "key":str, or "key":num where str is "". */
#define META_MORE 4
typedef struct meta_field {
    char key[16]; /* lower-case letters and '_'; "": unused */
    char str[48];
    double num;
} meta_field_t;

/* What a codec family learnt of its source, filled in by the family that knows it (in the
 * decoder), carried whole to thumbgen's process (decoder/proto.h). The typed fields have readers
 * of their own (the gallery, the cache's PNG keys, --stats); a field for the manifest alone goes
 * in `more` through meta_put, in its family's file and nowhere else: the writer writes them all.
 * Plain data, no pointers; strings NUL-terminated in their arrays. */
/* Which fast path made a task's thumbnails, if one did (task_meta_t.fast). */
typedef enum { FAST_NONE, FAST_JPEG, FAST_PNG, FAST_PATHS } fast_t;

typedef struct task_meta {
    char kind[16];         /* "video" for a clip's poster frame; "": not said */
    char mime[64];         /* the MIME type, found when the run asks for it (o->want_mime) */
    int32_t width, height; /* the source as shown (turned upright); 0: not known */
    double duration;       /* a clip's length in seconds; 0: not known */
    char thumbhash[40];    /* --placeholder thumbhash: the smallest thumbnail's, base64; "": none */
    char blurhash[32];     /* --placeholder blurhash: the smallest thumbnail's; "": none */
    int32_t fast; /* fast_t: the fast path that made it (decoder/fastpath.h), for --stats */
    meta_field_t more[META_MORE];
} task_meta_t;

/* Puts "key":str (str not NULL, not "") or "key":num into m->more for the manifest line. -1 when
 * key is not lower-case letters and '_', is one the writer writes of its own ("status", "kind",
 * ...) or is in m->more already, or key or str is too long, or m->more is full: nothing is put
 * (a manifest field is never worth failing a thumbnail for). */
int meta_put(task_meta_t *m, const char *key, const char *str, double num);

/* Whether m, received from a decoder (which runs codecs on untrusted bytes), is well formed:
 * every string NUL-terminated in its array, every key as meta_put makes them (so never one the
 * writer writes, never twice), numbers finite. */
bool meta_valid(const task_meta_t *m);

typedef struct thumb_out {
    void *buf; /* encoded bytes (malloc'd; see above), NULL until made */
    size_t len;
    int width, height; /* of one frame, for an animation */
    int frames;        /* an animation's frames (stacked in libvips' image); 0: a still */
    char *dst;         /* the output path, malloc'd */
} thumb_out_t;

/* The kinds of verdict on a source's bytes a store may record (store.h, verdict_before). */
enum { RECORD_FAILED = 1, RECORD_SKIPPED = 2 };

typedef struct task {
    char *src;       /* the source as the user knows it (a path, or s3://BUCKET/KEY), malloc'd */
    const char *rel; /* the path relative to SRC, pointing into src */
    int fd;          /* the source, opened by an opener thread before the worker, else -1 */
    task_status_t status;
    char *error; /* why it failed or was skipped, malloc'd; NULL otherwise */
    int nouts;
    thumb_out_t outs[THUMB_MAX_SIZES];
    /* The source's identity (docs/DESIGN.md, "Identity and order"): as listed, then, once a
     * local source is opened, as the descriptor handed to the decoder says (fstat): the bytes the
     * thumbnail is made from. Stores record it with every output; the writer compares it with
     * the path's as it writes. */
    struct timespec mtime; /* the source's modification time */
    uint64_t size;         /* the source's bytes */
    uint64_t dev, ino;     /* set with `opened` */
    bool opened;           /* a local file's identity, from its open descriptor */
    bool unreadable; /* failed with nothing learnt of its bytes (not opened, or its codec module
                      * did not load): no failure record or entry is made for it */
    bool limited;    /* failed on --timeout or --max-memory: the options may be to blame */
    /* Skipped, and why, for the manifest's "reason" (a static string: "gone", "superseded", ...);
     * NULL otherwise (a name clash says so with owner). */
    const char *reason;
    uint64_t gen; /* its place among the jobs for its source (batch/order.h); 0: none */
    /* Set only by a store that asks for it (a thumbnail cache): the source's canonical file://
     * URI, which the decoder writes into each thumbnail's keys. NULL elsewhere. */
    char *uri;
    /* The failure record of a source whose bytes cannot be thumbnailed: dst named by a store that
     * keeps them (NULL: none); bytes made by the decoder where there is a uri (the cache's PNG),
     * else by the worker (the reason in words), also for the skip record below. */
    thumb_out_t fail;
    /* The record of a source whose bytes are not an image (skipped, not failed: no extension
     * said so), named by a store that keeps them (the folder and S3 stores; NULL: none). Its
     * bytes, once made, are in fail.buf. */
    char *skip_dst;
    unsigned held; /* the kinds of record the store holds for it (store.h, verdict_before) */
    /* The identity records the store holds beside its outputs (store.h, verdict_before; the S3
     * store's): nidents addresses, malloc'd, as the array is. idents_unknown: the store could
     * not tell (a listing failed), so nothing may be written for it this run. */
    char **idents;
    size_t nidents;
    bool idents_unknown;
    bool failed_before; /* failed as its record says (the lister): never decoded this run */
    char *owner; /* skipped for a name clash: the source that owns the name, its path relative to
                  * SRC, malloc'd; or NULL */
    task_meta_t meta;
} task_t;

/* A new task for src (copied), whose relative part starts rel_off bytes in. NULL on ENOMEM. */
task_t *task_new(const char *src, size_t rel_off);

/* Sets the task's error message (printf-style), replacing any earlier one, and its status. */
void task_fail(task_t *t, task_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Frees the encoded buffers only (after saving). */
void task_release_buffers(task_t *t);

/* The same with another deallocator (g_free, in a decoder). */
void task_release_buffers_with(task_t *t, void (*release)(void *));

/* Frees a task and everything it owns. */
void task_free(task_t *t);

/* item_drop_fn for channels of task_t *. */
void task_drop(void *item);

/* The status name used in the manifest and messages: made, up_to_date, skipped, failed,
 * not_attempted. */
const char *task_status_name(task_status_t s);

#endif
