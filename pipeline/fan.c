/* map and fan_out (N copies of a map on one input), fan_in (merge), split (round-robin deal). */
#include "stage_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- map / fan_out: copy i reads s->in and sends on s->outs[i] */

static void *map_body(void *arg)
{
    struct stage_thread *t = arg;
    stage_t *s = t->s;
    const map_spec_t *m = &s->map;
    stage_stats_t *st = &s->stats[t->index];
    ITEM_BUF(in, m->in_item_size);
    ITEM_BUF(out, m->out_item_size);
    stats_begin(st, "%s %zu", m->name ? m->name : "map", t->index);
    while (in != NULL && out != NULL && !done_fired(s->done)) {
        if (stats_recv(st, s->in, in, s->done) != CHAN_OK)
            break;
        if (m->fn(m->ctx, in, out, s->done) != MAP_EMIT)
            continue;
        if (stats_send(st, s->outs[t->index], out, s->done) != CHAN_OK) {
            if (m->drop_out != NULL)
                m->drop_out(out);
            break;
        }
    }
    ITEM_BUF_FREE(in);
    ITEM_BUF_FREE(out);
    stats_end(st);
    chan_close(s->outs[t->index]);
    if (m->thread_exit != NULL)
        m->thread_exit(m->ctx);
    return NULL;
}

static void map_finish(stage_t *s, size_t i)
{
    chan_close(s->outs[i]);
}

stage_t *stage_fan_out(const map_spec_t *spec, done_t *done, chan_t *in, size_t n)
{
    if (n == 0 || spec->in_item_size != chan_item_size(in))
        return NULL;
    stage_t *s = stage_alloc(n, n, spec->out_item_size, spec->out_cap);
    if (s == NULL)
        return NULL;
    s->body = map_body;
    s->finish = map_finish;
    s->done = done;
    s->in = in;
    s->map = *spec;
    s->drop = spec->drop_out;
    s->item_size = spec->out_item_size;
    return stage_start(s);
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
