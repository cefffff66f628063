/* The stage handle shared by stage.c (sources, take, sink, handles) and fan.c (map, fan_out,
 * fan_in, split). Not part of the public API. */
#ifndef PIPELINE_STAGE_INTERNAL_H
#define PIPELINE_STAGE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdatomic.h>

#include "stage.h"

struct stage_thread {
    stage_t *s;
    size_t index;
};

struct stage {
    void *(*body)(void *);                /* thread function, given a struct stage_thread * */
    void (*finish)(stage_t *s, size_t i); /* what thread i does last: close what it owns */
    size_t nthreads, started;
    pthread_t *threads;
    struct stage_thread *targs;
    stage_stats_t *stats;
    bool joined, ok;

    size_t nouts;
    chan_t **outs;
    item_drop_fn drop;

    done_t *done;
    chan_t *in;         /* single-input stages */
    chan_t *const *ins; /* fan_in: copied into ins_copy */
    chan_t **ins_copy;
    size_t item_size; /* size of the items passing through */
    const char *name;

    /* kind-specific */
    const void *items;                              /* generator */
    size_t n;                                       /* generator: count; take: count */
    void (*gen)(void *ctx, void *item);             /* repeat_fn */
    void (*source)(void *ctx, stage_emitter_t *em); /* source */
    void (*sink)(void *ctx, void *item);            /* sink */
    void *ctx;
    done_t *fire_when_full; /* take */
    map_spec_t map;         /* map, fan_out, pool */
    bool shared_out;        /* pool: every copy sends on outs[0] (if any) */
    atomic_size_t live;     /* fan_in, pool: threads still running */
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

/* Allocates a handle for `nthreads` threads and `nouts` output channels of `out_item_size` bytes
 * and capacity `cap`. Returns NULL on ENOMEM. */
stage_t *stage_alloc(size_t nthreads, size_t nouts, size_t out_item_size, size_t cap);

/* Starts the stage's threads; a thread that cannot be started runs s->finish instead, so its
 * outputs are still closed, and the stage is marked not ok. Returns s. */
stage_t *stage_start(stage_t *s);

/* Closes every output of s (the finish of single-thread stages). */
void stage_close_all(stage_t *s, size_t i);

#endif
