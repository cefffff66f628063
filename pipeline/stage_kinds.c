/* The stage kinds. Two thread bodies do all the work: sources (source, generator, repeat_fn) run a
 * function that sends, and every stage with an input (map, fan_out, pool, take, fan_in, split)
 * runs the one loop below; a kind is the arguments its constructor gives them. */
#include "stage_internal.h"

#include <stdint.h>

/* ---- the loop: thread i receives from its input, makes zero or one item of each with map.fn
 * (none: the item itself), and sends what it makes on its outputs (if any) in turn;
 * an item it cannot send goes to the drop function. It stops when the input is closed and drained,
 * the done fires, or `limit` items have been sent. */

static void *loop_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    const struct stage_work *w = &s->w;
    const map_spec_t *m = &w->map;
    stage_stats_t *st = &s->stats[t->index];
    chan_t *in = s->ins != NULL ? s->ins[t->index] : w->in;
    chan_t **outs = w->out_per_thread ? &s->outs[t->index] : s->outs;
    size_t nouts = w->out_per_thread ? 1 : s->nouts, k = 0, sent = 0;
    void *ctx = m->thread_init ? m->thread_init(m->ctx) : m->ctx;
    bool working = ctx != NULL || m->thread_init == NULL;
    if (!working)
        done_fire(w->done); /* this thread cannot work: the pipeline stops rather than stall */
    ITEM_BUF(item, chan_item_size(in));
    ITEM_BUF(made, m->out_item_size ? m->out_item_size : 1);
    if (w->numbered)
        stats_begin(st, "%s %zu", w->name, t->index);
    else
        stats_begin(st, "%s", w->name);
    while (item != NULL && made != NULL && working && sent < w->limit && !done_fired(w->done)) {
        if (stats_recv(st, in, item, w->done) != CHAN_OK)
            break;
        void *out = item;
        if ((m->fn != NULL && m->fn(ctx, item, out = made, w->done) != MAP_EMIT) || nouts == 0)
            continue;
        if (stats_send(st, outs[k], out, w->done) != CHAN_OK) {
            if (w->drop != NULL)
                w->drop(out);
            break;
        }
        sent++;
        if (++k == nouts)
            k = 0;
    }
    ITEM_BUF_FREE(item);
    ITEM_BUF_FREE(made);
    stats_end(st);
    stage_thread_done(s, t->index);
    if (sent == w->limit && w->fire_when_full != NULL)
        done_fire(w->fire_when_full);
    if (m->thread_exit != NULL && working)
        m->thread_exit(ctx);
    return NULL;
}

/* n copies of spec on `in`: one output each (fan_out), or one shared by all (pool). */
static stage_t *map_copies(const map_spec_t *spec, done_t *done, chan_t *in, size_t n, bool pool)
{
    if (n == 0 || spec->in_item_size != chan_item_size(in) || (!pool && spec->out_item_size == 0))
        return NULL;
    struct stage_work w = {.body = loop_body,
                           .name = spec->name ? spec->name : "map",
                           .numbered = true,
                           .done = done,
                           .drop = spec->drop_out,
                           .out_per_thread = !pool,
                           .in = in,
                           .map = *spec,
                           .limit = SIZE_MAX};
    size_t nouts = pool ? (spec->out_item_size ? 1 : 0) : n;
    return stage_new(&w, n, nouts, spec->out_item_size, spec->out_cap);
}

stage_t *stage_fan_out(const map_spec_t *spec, done_t *done, chan_t *in, size_t n)
{
    return map_copies(spec, done, in, n, false);
}

stage_t *stage_pool(const map_spec_t *spec, done_t *done, chan_t *in, size_t n)
{
    return map_copies(spec, done, in, n, true);
}

stage_t *stage_map(const map_spec_t *spec, done_t *done, chan_t *in)
{
    return stage_fan_out(spec, done, in, 1);
}

stage_t *stage_take(done_t *done, chan_t *in, size_t n, done_t *fire_when_full, size_t cap,
                    item_drop_fn drop)
{
    struct stage_work w = {.body = loop_body,
                           .name = "take",
                           .done = done,
                           .drop = drop,
                           .in = in,
                           .limit = n,
                           .fire_when_full = fire_when_full};
    return stage_new(&w, 1, 1, chan_item_size(in), cap);
}

stage_t *stage_fan_in(done_t *done, chan_t *const *ins, size_t n, size_t cap, item_drop_fn drop)
{
    if (n == 0)
        return NULL;
    for (size_t i = 1; i < n; i++)
        if (chan_item_size(ins[i]) != chan_item_size(ins[0]))
            return NULL;
    struct stage_work w = {.body = loop_body,
                           .name = "merge",
                           .numbered = true,
                           .done = done,
                           .drop = drop,
                           .ins = ins,
                           .limit = SIZE_MAX};
    return stage_new(&w, n, 1, chan_item_size(ins[0]), cap);
}

stage_t *stage_fan_in_all(done_t *done, const stage_t *from, size_t cap, item_drop_fn drop)
{
    if (from == NULL || from->nouts == 0)
        return NULL;
    return stage_fan_in(done, from->outs, from->nouts, cap, drop);
}

stage_t *stage_split(done_t *done, chan_t *in, size_t n, size_t cap, item_drop_fn drop)
{
    if (n == 0)
        return NULL;
    struct stage_work w = {.body = loop_body,
                           .name = "split",
                           .done = done,
                           .drop = drop,
                           .in = in,
                           .limit = SIZE_MAX};
    return stage_new(&w, 1, n, chan_item_size(in), cap);
}

/* ---- sources: one thread runs w->source, which sends through stage_emit */

struct stage_emitter {
    stage_t *s;
};

bool stage_emit(stage_emitter_t *em, const void *item)
{
    stage_t *s = em->s;
    if (done_fired(s->w.done))
        return false;
    return stats_send(&s->stats[0], s->outs[0], item, s->w.done) == CHAN_OK;
}

done_t *stage_emitter_done(stage_emitter_t *em)
{
    return em->s->w.done;
}

static void *source_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    stage_emitter_t em = {.s = s};
    stats_begin(&s->stats[0], "%s", s->w.name);
    s->w.source(s->w.ctx, &em);
    stats_end(&s->stats[0]);
    stage_thread_done(s, 0);
    return NULL;
}

stage_t *stage_source(const char *name, done_t *done, void (*fn)(void *ctx, stage_emitter_t *em),
                      void *ctx, size_t item_size, size_t cap, item_drop_fn drop)
{
    struct stage_work w = {
        .body = source_body, .name = name, .done = done, .drop = drop, .source = fn, .ctx = ctx};
    return stage_new(&w, 1, 1, item_size, cap);
}

/* The generator's source: sends items[0..n). */
static void generate(void *ctx, stage_emitter_t *em)
{
    (void)ctx;
    const struct stage_work *w = &em->s->w;
    size_t size = chan_item_size(em->s->outs[0]);
    for (size_t i = 0; i < w->n && stage_emit(em, (const char *)w->items + i * size); i++)
        ;
}

stage_t *stage_generator(done_t *done, const void *items, size_t n, size_t item_size, size_t cap)
{
    struct stage_work w = {.body = source_body,
                           .name = "generator",
                           .done = done,
                           .source = generate,
                           .items = items,
                           .n = n};
    return stage_new(&w, 1, 1, item_size, cap);
}

/* repeat_fn's source: sends gen(ctx) until cancelled. */
static void repeat(void *ctx, stage_emitter_t *em)
{
    stage_t *s = em->s;
    ITEM_BUF(item, chan_item_size(s->outs[0]));
    while (item != NULL && !done_fired(s->w.done)) {
        s->w.gen(ctx, item);
        if (stats_send(&s->stats[0], s->outs[0], item, s->w.done) != CHAN_OK)
            break;
    }
    ITEM_BUF_FREE(item);
}

stage_t *stage_repeat_fn(done_t *done, void (*fn)(void *ctx, void *item), void *ctx,
                         size_t item_size, size_t cap)
{
    struct stage_work w = {.body = source_body,
                           .name = "repeat_fn",
                           .done = done,
                           .source = repeat,
                           .gen = fn,
                           .ctx = ctx};
    return stage_new(&w, 1, 1, item_size, cap);
}
