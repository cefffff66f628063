#include "stage_internal.h"
#include "threads.h"

#include <stdlib.h>
#include <string.h>

stage_t *stage_alloc(size_t nthreads, size_t nouts, size_t out_item_size, size_t cap)
{
    stage_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->nthreads = nthreads;
    s->nouts = nouts;
    s->ok = true;
    s->threads = calloc(nthreads ? nthreads : 1, sizeof *s->threads);
    s->targs = calloc(nthreads ? nthreads : 1, sizeof *s->targs);
    s->stats = calloc(nthreads ? nthreads : 1, sizeof *s->stats);
    s->outs = calloc(nouts ? nouts : 1, sizeof *s->outs);
    bool ok = s->threads && s->targs && s->stats && s->outs;
    for (size_t i = 0; ok && i < nouts; i++)
        ok = (s->outs[i] = chan_new(out_item_size, cap)) != NULL;
    if (!ok) {
        s->joined = true;
        stage_free(s);
        return NULL;
    }
    atomic_init(&s->live, nthreads);
    return s;
}

stage_t *stage_start(stage_t *s)
{
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < s->nthreads; i++) {
        s->targs[i] = (struct stage_thread){.s = s, .index = i};
        if (threads_start(&s->threads[s->started], s->body, &s->targs[i]) == 0) {
            s->started++;
        } else {
            s->ok = false;
            s->finish(s, i);
        }
    }
    return s;
}

void stage_close_all(stage_t *s, size_t i)
{
    (void)i;
    for (size_t k = 0; k < s->nouts; k++)
        chan_close(s->outs[k]);
}

chan_t *stage_out(const stage_t *s, size_t i)
{
    return i < s->nouts ? s->outs[i] : NULL;
}

size_t stage_nouts(const stage_t *s)
{
    return s->nouts;
}

bool stage_ok(const stage_t *s)
{
    return s != NULL && s->ok;
}

size_t stage_nthreads(const stage_t *s)
{
    return s->nthreads;
}

const stage_stats_t *stage_thread_stats(const stage_t *s, size_t i)
{
    return i < s->nthreads ? &s->stats[i] : NULL;
}

stage_stats_t *stage_stats_collect(stage_t *const *stages, size_t n, size_t *count)
{
    size_t rows = 0;
    for (size_t i = 0; i < n; i++)
        rows += stages[i] ? stages[i]->nthreads : 0;
    stage_stats_t *out = calloc(rows ? rows : 1, sizeof *out);
    *count = 0;
    for (size_t i = 0; out != NULL && i < n; i++)
        for (size_t k = 0; stages[i] && k < stages[i]->nthreads; k++)
            out[(*count)++] = stages[i]->stats[k];
    return out;
}

void stage_join(stage_t *s)
{
    if (s == NULL || s->joined)
        return;
    for (size_t i = 0; i < s->started; i++)
        threads_join(s->threads[i]);
    s->joined = true;
}

static void drop_one(void *item, void *ctx)
{
    ((item_drop_fn)ctx)(item);
}

void stage_free(stage_t *s)
{
    if (s == NULL)
        return;
    stage_join(s);
    for (size_t k = 0; k < s->nouts; k++) {
        if (s->outs[k] == NULL)
            continue;
        if (s->drop != NULL)
            chan_drain(s->outs[k], drop_one, (void *)s->drop);
        chan_free(s->outs[k]);
    }
    free(s->outs);
    free(s->ins_copy);
    free(s->threads);
    free(s->targs);
    free(s->stats);
    free(s);
}

void stage_set_init(stage_set_t *set)
{
    memset(set, 0, sizeof *set);
    set->ok = true;
}

chan_t *stage_set_add(stage_set_t *set, stage_t *s)
{
    if (s == NULL || !s->ok || set->n == STAGE_SET_MAX)
        set->ok = false;
    if (s != NULL && set->n < STAGE_SET_MAX)
        set->v[set->n++] = s;
    else if (s != NULL) { /* no room to keep it: never happens with the pipelines built here */
        done_fire(s->done);
        stage_free(s);
    }
    return set->ok && s->nouts > 0 ? s->outs[0] : NULL;
}

stage_stats_t *stage_set_finish(stage_set_t *set, size_t *nstats)
{
    for (size_t i = 0; i < set->n; i++)
        stage_join(set->v[i]);
    stage_stats_t *stats = stage_stats_collect(set->v, set->n, nstats);
    for (size_t i = 0; i < set->n; i++)
        stage_free(set->v[i]);
    set->n = 0;
    return stats;
}

/* ---- generator */

static void *generator_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    stage_stats_t *st = &s->stats[0];
    stats_begin(st, "generator");
    for (size_t i = 0; i < s->n && !done_fired(s->done); i++)
        if (stats_send(st, s->outs[0], (const char *)s->items + i * s->item_size, s->done) !=
            CHAN_OK)
            break;
    stats_end(st);
    stage_close_all(s, 0);
    return NULL;
}

stage_t *stage_generator(done_t *done, const void *items, size_t n, size_t item_size, size_t cap)
{
    stage_t *s = stage_alloc(1, 1, item_size, cap);
    if (s == NULL)
        return NULL;
    s->body = generator_body;
    s->finish = stage_close_all;
    s->done = done;
    s->items = items;
    s->n = n;
    s->item_size = item_size;
    return stage_start(s);
}

/* ---- repeat_fn */

static void *repeat_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    stage_stats_t *st = &s->stats[0];
    ITEM_BUF(item, s->item_size);
    stats_begin(st, "repeat_fn");
    while (item != NULL && !done_fired(s->done)) {
        s->gen(s->ctx, item);
        if (stats_send(st, s->outs[0], item, s->done) != CHAN_OK)
            break;
    }
    ITEM_BUF_FREE(item);
    stats_end(st);
    stage_close_all(s, 0);
    return NULL;
}

stage_t *stage_repeat_fn(done_t *done, void (*fn)(void *ctx, void *item), void *ctx,
                         size_t item_size, size_t cap)
{
    stage_t *s = stage_alloc(1, 1, item_size, cap);
    if (s == NULL)
        return NULL;
    s->body = repeat_body;
    s->finish = stage_close_all;
    s->done = done;
    s->gen = fn;
    s->ctx = ctx;
    s->item_size = item_size;
    return stage_start(s);
}

/* ---- source */

struct stage_emitter {
    stage_t *s;
};

bool stage_emit(stage_emitter_t *em, const void *item)
{
    stage_t *s = em->s;
    if (done_fired(s->done))
        return false;
    return stats_send(&s->stats[0], s->outs[0], item, s->done) == CHAN_OK;
}

done_t *stage_emitter_done(stage_emitter_t *em)
{
    return em->s->done;
}

static void *source_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    stage_emitter_t em = {.s = s};
    stats_begin(&s->stats[0], "%s", s->name);
    s->source(s->ctx, &em);
    stats_end(&s->stats[0]);
    stage_close_all(s, 0);
    return NULL;
}

stage_t *stage_source(const char *name, done_t *done, void (*fn)(void *ctx, stage_emitter_t *em),
                      void *ctx, size_t item_size, size_t cap, item_drop_fn drop)
{
    stage_t *s = stage_alloc(1, 1, item_size, cap);
    if (s == NULL)
        return NULL;
    s->body = source_body;
    s->finish = stage_close_all;
    s->name = name;
    s->done = done;
    s->source = fn;
    s->ctx = ctx;
    s->item_size = item_size;
    s->drop = drop;
    return stage_start(s);
}

/* ---- take */

static void *take_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    stage_stats_t *st = &s->stats[0];
    ITEM_BUF(item, s->item_size);
    size_t k = 0;
    stats_begin(st, "take");
    while (item != NULL && k < s->n && !done_fired(s->done)) {
        if (stats_recv(st, s->in, item, s->done) != CHAN_OK)
            break;
        if (stats_send(st, s->outs[0], item, s->done) != CHAN_OK) {
            if (s->drop != NULL)
                s->drop(item);
            break;
        }
        k++;
    }
    ITEM_BUF_FREE(item);
    stats_end(st);
    stage_close_all(s, 0);
    if (k == s->n && s->fire_when_full != NULL)
        done_fire(s->fire_when_full);
    return NULL;
}

stage_t *stage_take(done_t *done, chan_t *in, size_t n, done_t *fire_when_full, size_t cap,
                    item_drop_fn drop)
{
    stage_t *s = stage_alloc(1, 1, chan_item_size(in), cap);
    if (s == NULL)
        return NULL;
    s->body = take_body;
    s->finish = stage_close_all;
    s->done = done;
    s->in = in;
    s->n = n;
    s->fire_when_full = fire_when_full;
    s->item_size = chan_item_size(in);
    s->drop = drop;
    return stage_start(s);
}

/* ---- sink */

static void *sink_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    stage_stats_t *st = &s->stats[0];
    ITEM_BUF(item, s->item_size);
    stats_begin(st, "%s", s->name);
    while (item != NULL && !done_fired(s->done)) {
        if (stats_recv(st, s->in, item, s->done) != CHAN_OK)
            break;
        s->sink(s->ctx, item);
    }
    ITEM_BUF_FREE(item);
    stats_end(st);
    return NULL;
}

static void sink_finish(stage_t *s, size_t i)
{
    (void)s;
    (void)i;
}

stage_t *stage_sink(const char *name, done_t *done, chan_t *in, void (*fn)(void *ctx, void *item),
                    void *ctx)
{
    stage_t *s = stage_alloc(1, 0, 1, 0);
    if (s == NULL)
        return NULL;
    s->body = sink_body;
    s->finish = sink_finish;
    s->name = name;
    s->done = done;
    s->in = in;
    s->sink = fn;
    s->ctx = ctx;
    s->item_size = chan_item_size(in);
    return stage_start(s);
}
