/* map, fan_out (N copies of a map on one input, one output each), pool (N copies on one input
 * sharing one output), fan_in (merge), split (round-robin deal). */
#include "stage_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- map / fan_out / pool: copy i reads s->in and sends on s->outs[i], or, in a pool, on the one
 * shared s->outs[0] (none at all for a pool with no output) */

/* The output copy i sends on; NULL for a pool with no output. */
static chan_t *map_out(const stage_t *s, size_t i)
{
    if (s->nouts == 0)
        return NULL;
    return s->shared_out ? s->outs[0] : s->outs[i];
}

/* What copy i does last: close its own output, or, in a pool, the shared one once the last copy
 * is out (the seeds' WaitGroup). */
static void map_finish(stage_t *s, size_t i)
{
    if (!s->shared_out) {
        chan_close(s->outs[i]);
        return;
    }
    if (atomic_fetch_sub(&s->live, 1) == 1 && s->nouts > 0)
        chan_close(s->outs[0]);
}

static void *map_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    const map_spec_t *m = &s->map;
    stage_stats_t *st = &s->stats[t->index];
    chan_t *out_chan = map_out(s, t->index);
    void *ctx = m->thread_init ? m->thread_init(m->ctx) : m->ctx;
    if (ctx == NULL && m->thread_init != NULL)
        done_fire(s->done); /* this copy cannot work: the pipeline stops rather than stall */
    ITEM_BUF(in, m->in_item_size);
    ITEM_BUF(out, m->out_item_size ? m->out_item_size : 1);
    stats_begin(st, "%s %zu", m->name ? m->name : "map", t->index);
    while (in != NULL && out != NULL && (ctx != NULL || m->thread_init == NULL) &&
           !done_fired(s->done)) {
        if (stats_recv(st, s->in, in, s->done) != CHAN_OK)
            break;
        if (m->fn(ctx, in, out, s->done) != MAP_EMIT || out_chan == NULL)
            continue;
        if (stats_send(st, out_chan, out, s->done) != CHAN_OK) {
            if (m->drop_out != NULL)
                m->drop_out(out);
            break;
        }
    }
    ITEM_BUF_FREE(in);
    ITEM_BUF_FREE(out);
    stats_end(st);
    map_finish(s, t->index);
    if (m->thread_exit != NULL && (ctx != NULL || m->thread_init == NULL))
        m->thread_exit(ctx);
    return NULL;
}

/* n copies of spec on `in`: one output each (fan_out), or one shared by all (pool). */
static stage_t *map_copies(const map_spec_t *spec, done_t *done, chan_t *in, size_t n, bool pool)
{
    if (n == 0 || spec->in_item_size != chan_item_size(in) || (!pool && spec->out_item_size == 0))
        return NULL;
    size_t nouts = pool ? (spec->out_item_size ? 1 : 0) : n;
    stage_t *s = stage_alloc(n, nouts, spec->out_item_size, spec->out_cap);
    if (s == NULL)
        return NULL;
    s->body = map_body;
    s->finish = map_finish;
    s->shared_out = pool;
    s->done = done;
    s->in = in;
    s->map = *spec;
    s->drop = spec->drop_out;
    s->item_size = spec->out_item_size;
    return stage_start(s);
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

/* ---- fan_in: forwarder i copies ins[i] to the one output; the last one out closes it */

static void fan_in_finish(stage_t *s, size_t i)
{
    (void)i;
    if (atomic_fetch_sub(&s->live, 1) == 1)
        chan_close(s->outs[0]);
}

static void *fan_in_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    stage_stats_t *st = &s->stats[t->index];
    ITEM_BUF(item, s->item_size);
    stats_begin(st, "merge %zu", t->index);
    while (item != NULL && !done_fired(s->done)) {
        if (stats_recv(st, s->ins_copy[t->index], item, s->done) != CHAN_OK)
            break;
        if (stats_send(st, s->outs[0], item, s->done) != CHAN_OK) {
            if (s->drop != NULL)
                s->drop(item);
            break;
        }
    }
    ITEM_BUF_FREE(item);
    stats_end(st);
    fan_in_finish(s, t->index);
    return NULL;
}

stage_t *stage_fan_in(done_t *done, chan_t *const *ins, size_t n, size_t cap, item_drop_fn drop)
{
    if (n == 0)
        return NULL;
    size_t isz = chan_item_size(ins[0]);
    for (size_t i = 1; i < n; i++)
        if (chan_item_size(ins[i]) != isz)
            return NULL;
    stage_t *s = stage_alloc(n, 1, isz, cap);
    if (s == NULL)
        return NULL;
    s->ins_copy = malloc(n * sizeof *s->ins_copy);
    if (s->ins_copy == NULL) {
        stage_free(s);
        return NULL;
    }
    memcpy(s->ins_copy, ins, n * sizeof *ins);
    s->body = fan_in_body;
    s->finish = fan_in_finish;
    s->done = done;
    s->item_size = isz;
    s->drop = drop;
    return stage_start(s);
}

stage_t *stage_fan_in_all(done_t *done, const stage_t *from, size_t cap, item_drop_fn drop)
{
    if (from == NULL || from->nouts == 0)
        return NULL;
    return stage_fan_in(done, from->outs, from->nouts, cap, drop);
}

/* ---- split: one thread deals items to outs[0], outs[1], ... in turn */

static void *split_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    stage_stats_t *st = &s->stats[0];
    ITEM_BUF(item, s->item_size);
    stats_begin(st, "split");
    for (size_t k = 0; item != NULL && !done_fired(s->done); k = (k + 1) % s->nouts) {
        if (stats_recv(st, s->in, item, s->done) != CHAN_OK)
            break;
        if (stats_send(st, s->outs[k], item, s->done) != CHAN_OK) {
            if (s->drop != NULL)
                s->drop(item);
            break;
        }
    }
    ITEM_BUF_FREE(item);
    stats_end(st);
    stage_close_all(s, 0);
    return NULL;
}

stage_t *stage_split(done_t *done, chan_t *in, size_t n, size_t cap, item_drop_fn drop)
{
    if (n == 0)
        return NULL;
    stage_t *s = stage_alloc(1, n, chan_item_size(in), cap);
    if (s == NULL)
        return NULL;
    s->body = split_body;
    s->finish = stage_close_all;
    s->done = done;
    s->in = in;
    s->item_size = chan_item_size(in);
    s->drop = drop;
    return stage_start(s);
}
