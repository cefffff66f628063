#include "stage_internal.h"
#include "threads.h"

#include <stdlib.h>
#include <string.h>

stage_t *stage_new(const struct stage_work *w, size_t nthreads, size_t nouts, size_t out_item_size,
                   size_t cap)
{
    stage_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->w = *w;
    s->nthreads = nthreads;
    s->nouts = nouts;
    s->ok = true;
    s->threads = calloc(nthreads, sizeof *s->threads);
    s->targs = calloc(nthreads, sizeof *s->targs);
    s->stats = calloc(nthreads, sizeof *s->stats);
    s->outs = calloc(nouts ? nouts : 1, sizeof *s->outs);
    bool ok = s->threads && s->targs && s->stats && s->outs;
    if (ok && w->ins != NULL && (ok = (s->ins = malloc(nthreads * sizeof *s->ins)) != NULL))
        memcpy(s->ins, w->ins, nthreads * sizeof *s->ins);
    for (size_t i = 0; ok && i < nouts; i++)
        ok = (s->outs[i] = chan_new(out_item_size, cap)) != NULL;
    if (!ok) {
        s->joined = true;
        stage_free(s);
        return NULL;
    }
    atomic_init(&s->live, nthreads);
    for (size_t i = 0; i < nthreads; i++) {
        s->targs[i] = (struct stage_thread){.s = s, .index = i};
        if (threads_start(&s->threads[s->started], w->body, &s->targs[i]) == 0) {
            s->started++;
        } else {
            s->ok = false;
            stage_thread_done(s, i);
        }
    }
    return s;
}

void stage_thread_done(stage_t *s, size_t i)
{
    if (s->w.out_per_thread)
        chan_close(s->outs[i]);
    else if (atomic_fetch_sub(&s->live, 1) == 1)
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

const stage_stats_t *stage_thread_stats(const stage_t *s, size_t i)
{
    return i < s->nthreads ? &s->stats[i] : NULL;
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
        if (s->w.drop != NULL)
            chan_drain(s->outs[k], drop_one, (void *)s->w.drop);
        chan_free(s->outs[k]);
    }
    free(s->outs);
    free(s->ins);
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
        done_fire(s->w.done);
        stage_free(s);
    }
    return set->ok && s->nouts > 0 ? s->outs[0] : NULL;
}

stage_stats_t *stage_set_finish(stage_set_t *set, size_t *nstats)
{
    size_t rows = 0;
    for (size_t i = 0; i < set->n; i++) {
        stage_join(set->v[i]);
        rows += set->v[i]->nthreads;
    }
    /* Every thread's stats, in order (all joined), copied before its stage goes. */
    stage_stats_t *stats = calloc(rows ? rows : 1, sizeof *stats);
    *nstats = 0;
    for (size_t i = 0; i < set->n; i++) {
        for (size_t k = 0; stats != NULL && k < set->v[i]->nthreads; k++)
            stats[(*nstats)++] = set->v[i]->stats[k];
        stage_free(set->v[i]);
    }
    set->n = 0;
    return stats;
}
