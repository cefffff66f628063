/* The stage handle shared by stage.c (the lifecycle every stage has: threads, outputs, handles,
 * stage_set) and stage_kinds.c (what each kind's threads do). Not part of the public API. */
#ifndef PIPELINE_STAGE_INTERNAL_H
#define PIPELINE_STAGE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdatomic.h>

#include "stage.h"

/* What a stage's threads do, filled in by its kind's constructor. */
struct stage_work {
    void *(*body)(void *); /* thread function, given a struct stage_thread * */
    const char *name;      /* stats label */
    bool numbered;         /* threads are "<name> <i>" */
    done_t *done;
    item_drop_fn drop; /* disposes of an item that cannot be sent, and of what outputs still hold */
    bool out_per_thread; /* thread i owns outs[i]; else the last thread out closes every output */

    /* the loop (map, fan_out, pool, take, fan_in, split) */
    chan_t *in;
    chan_t *const *ins; /* fan_in: thread i reads ins[i] (copied by stage_new) */
    map_spec_t map;     /* map.fn NULL: items pass on unchanged */
    size_t limit;       /* items to send before stopping (take); SIZE_MAX: no limit */
    done_t *fire_when_full;

    /* the sources (source, generator, repeat_fn) */
    void (*source)(void *ctx, stage_emitter_t *em);
    const void *items; /* generator: items[0..n) */
    size_t n;
    void (*gen)(void *ctx, void *item); /* repeat_fn */
    void *ctx;                          /* of source and gen */
};

struct stage_thread {
    stage_t *s;
    size_t index;
};

struct stage {
    struct stage_work w;
    chan_t **ins; /* w.ins copied */
    size_t nthreads, started;
    pthread_t *threads;
    struct stage_thread *targs;
    stage_stats_t *stats;
    bool joined, ok;
    atomic_size_t live; /* threads still running */
    size_t nouts;
    chan_t **outs;
};

/* Scratch space for one item: on the stack when small, else on the heap. */
#define ITEM_BUF(name, size)                                                                       \
    max_align_t name##_small[8];                                                                   \
    void *name = (size) <= sizeof name##_small ? (void *)name##_small : malloc(size)
#define ITEM_BUF_FREE(name)                                                                        \
    do {                                                                                           \
        if (name != (void *)name##_small)                                                          \
            free(name);                                                                            \
    } while (0)

/* Makes a stage doing `w` with `nthreads` threads and `nouts` output channels of `out_item_size`
 * bytes and capacity `cap`, and starts its threads; a thread that cannot be started is counted as
 * done at once (stage_thread_done), so the outputs are still closed, and the stage is not ok.
 * Returns NULL on ENOMEM. */
stage_t *stage_new(const struct stage_work *w, size_t nthreads, size_t nouts, size_t out_item_size,
                   size_t cap);

/* What thread i does last: close the output it owns, or, when the outputs are shared, every output
 * once it is the last thread out (the seeds' WaitGroup). */
void stage_thread_done(stage_t *s, size_t i);

#endif
