/* stage: pipeline stages in the shape of the Go seeds. Each stage is one or more threads that read
 * their input channel(s), own their output channel(s), and close them when they return, whatever
 * the reason. Whoever starts a stage joins it (stage_join) and then frees it (stage_free); no
 * thread is ever detached.
 *
 * Teardown order: fire the done (or let the pipeline run dry), stage_join every stage, then
 * stage_free every stage. A stage's output channels are freed by stage_free, so a stage must not be
 * freed while a downstream stage may still read from it: join everything first.
 *
 * Pointer items: sending transfers ownership. A stage that holds an item when it is cancelled hands
 * it to its `drop` function; stage_free drains its output channels into `drop` too.
 *
 * A whole pipeline is torn down in one place: add each stage to a stage_set_t as it is built, and
 * stage_set_finish joins, collects the stats and frees them all.
 *
 * Error convention: a constructor returns the new stage, or NULL when its arguments do not fit
 * (item sizes that differ, n = 0) or memory ran out; a stage some of whose threads could not be
 * started is returned, and stage_set_add marks its set not ok. Nothing here prints. */
#ifndef PIPELINE_STAGE_H
#define PIPELINE_STAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "chan.h"
#include "done.h"
#include "stats.h"

typedef struct stage stage_t;

/* Frees (or otherwise disposes of) one item that can no longer be delivered. NULL: plain values. */
typedef void (*item_drop_fn)(void *item);

/* ---- sources */

/* Sends items[0..n) in order, then closes. The array must outlive the stage. */
stage_t *stage_generator(done_t *done, const void *items, size_t n, size_t item_size, size_t cap);

/* Sends fn(ctx) forever (the seeds' repeatFn) until cancelled. fn writes one item into *item. */
stage_t *stage_repeat_fn(done_t *done, void (*fn)(void *ctx, void *item), void *ctx,
                         size_t item_size, size_t cap);

typedef struct stage_emitter stage_emitter_t;

/* Runs fn(ctx, em) in the stage's thread; fn calls stage_emit to send items and returns when it
 * has no more (or when stage_emit fails). Closes the output when fn returns. */
stage_t *stage_source(const char *name, done_t *done, void (*fn)(void *ctx, stage_emitter_t *em),
                      void *ctx, size_t item_size, size_t cap, item_drop_fn drop);

/* Sends *item from inside a stage_source fn. Returns false when the pipeline is cancelled (or the
 * output closed); the item then still belongs to the caller. */
bool stage_emit(stage_emitter_t *em, const void *item);

/* The done a stage_source fn should watch. */
done_t *stage_emitter_done(stage_emitter_t *em);

/* ---- transforms */

typedef enum { MAP_EMIT, MAP_SKIP } map_result_t;

typedef struct map_spec {
    const char *name; /* stats label; threads are "<name> <i>" */
    /* Turns *in into *out. It owns *in from the call on (free it, or move it into *out). MAP_SKIP
     * sends nothing (a filter). `done` is for long computations that should stop early. */
    map_result_t (*fn)(void *ctx, void *in, void *out, done_t *done);
    void *ctx;
    size_t in_item_size, out_item_size, out_cap; /* out_item_size 0: a pool with no output */
    item_drop_fn drop_out; /* disposes of an output item that cannot be sent */
    /* Per-thread state (a decoder process, a network client): each thread first calls
     * thread_init(ctx) and passes what it returns to fn and thread_exit in place of ctx; NULL
     * thread_init: every thread uses ctx itself. A thread whose thread_init returns NULL cannot
     * work: it fires the done (the pipeline stops rather than stall) and ends. thread_exit (may
     * be NULL) runs in each thread just before it returns, and frees what thread_init made. */
    void *(*thread_init)(void *ctx);
    void (*thread_exit)(void *ctx);
} map_spec_t;

/* One thread applying spec->fn to every item of `in`. */
stage_t *stage_map(const map_spec_t *spec, done_t *done, chan_t *in);

/* n copies of the map stage on one input; copy i sends on its own output stage_out(s, i). */
stage_t *stage_fan_out(const map_spec_t *spec, done_t *done, chan_t *in, size_t n);

/* n copies of the map stage on one input, all sending on one output, stage_out(s, 0), closed once
 * by the last copy to finish: fan-out and fan-in in one stage, with no forwarding threads (Go's
 * worker pool with its WaitGroup). With spec->out_item_size 0 the pool has no output: fn keeps
 * (or frees) every item, as the last stage of a pipeline does. */
stage_t *stage_pool(const map_spec_t *spec, done_t *done, chan_t *in, size_t n);

/* Passes on the first n items of `in`, then closes. If fire_when_full is not NULL it is fired once
 * the n-th item has been sent, which is how take stops the stages upstream of it. */
stage_t *stage_take(done_t *done, chan_t *in, size_t n, done_t *fire_when_full, size_t cap,
                    item_drop_fn drop);

/* ---- fan-in, split */

/* Merges n channels into one (n forwarding threads); the output is closed exactly once, by the
 * last forwarder to see its input closed (the seeds' WaitGroup). Order between inputs is not kept.
 */
stage_t *stage_fan_in(done_t *done, chan_t *const *ins, size_t n, size_t cap, item_drop_fn drop);

/* stage_fan_in over every output of `from` (a fan_out): the seeds' fan-out then merge. */
stage_t *stage_fan_in_all(done_t *done, const stage_t *from, size_t cap, item_drop_fn drop);

/* Deals `in` round-robin onto n outputs (the seeds' Split). */
stage_t *stage_split(done_t *done, chan_t *in, size_t n, size_t cap, item_drop_fn drop);

/* ---- handles */

/* Output channel i of the stage (0 for single-output stages). */
chan_t *stage_out(const stage_t *s, size_t i);
size_t stage_nouts(const stage_t *s);

/* The stats of thread i, valid once the stage is joined. */
const stage_stats_t *stage_thread_stats(const stage_t *s, size_t i);

/* Joins every thread of the stage. Idempotent. */
void stage_join(stage_t *s);

/* Frees a joined stage: drains its outputs into its drop function, frees them and the handle. */
void stage_free(stage_t *s);

/* ---- a pipeline's stages, torn down together */

#define STAGE_SET_MAX 16

typedef struct stage_set {
    stage_t *v[STAGE_SET_MAX];
    size_t n;
    bool ok; /* every stage added was built and started */
} stage_set_t;

/* An empty set, ok. */
void stage_set_init(stage_set_t *set);

/* Adds a stage just built (NULL: it could not be; the set is then not ok) and returns its first
 * output, or NULL when it has none or the set is not ok: a pipeline is built as
 *   next = stage_set_add(&set, stage_x(..., next, ...));  while next is not NULL. */
chan_t *stage_set_add(stage_set_t *set, stage_t *s);

/* Joins every stage of the set, then copies every thread's stats into a new array (*nstats rows,
 * in the order the stages were added; NULL on ENOMEM) and frees the stages. The caller fires the
 * pipeline's done first when it wants it to stop rather than run dry. */
stage_stats_t *stage_set_finish(stage_set_t *set, size_t *nstats);

#endif
