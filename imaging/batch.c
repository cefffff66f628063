#include "batch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lister.h"
#include "stage.h"
#include "task.h"
#include "worker.h"

/* Each resize worker thread's decoder, started with its first file and ended with the thread. */
static _Thread_local decoder_t *worker_decoder;

/* What the workers share: the decoders' settings, and why the run cannot go on if no decoder could
 * ever be started (a setup error, not a failure of each file in turn). */
typedef struct {
    decoder_cfg_t dcfg;
    pthread_mutex_t mu;
    bool any_started;
    char *fatal; /* malloc'd; the first worker to find no decoder can start sets it */
} workers_t;

/* What fetchers and writers share. */
typedef struct {
    source_t *source;
    store_t *store;
    reporter_t *rep;
} batch_io_t;

static map_result_t resize(void *ctx, void *in, void *out, done_t *done)
{
    workers_t *w = ctx;
    task_t *t = *(task_t **)in;
    if (worker_decoder == NULL) {
        worker_decoder = malloc(sizeof *worker_decoder);
        if (worker_decoder == NULL) {
            task_fail(t, TASK_FAILED, "out of memory");
            *(task_t **)out = t;
            return MAP_EMIT;
        }
        decoder_init(worker_decoder, &w->dcfg);
    }
    decode_result_t r = decoder_make(worker_decoder, t, done);
    pthread_mutex_lock(&w->mu);
    w->any_started |= worker_decoder->started;
    bool fatal = r == DECODE_NO_DECODER && !w->any_started;
    if (fatal && w->fatal == NULL)
        w->fatal = t->error ? strdup(t->error) : NULL;
    pthread_mutex_unlock(&w->mu);
    if (fatal)
        done_fire(done); /* nothing can be thumbnailed here */
    if (r == DECODE_CANCELLED || fatal) {
        task_free(t); /* dropped */
        return MAP_SKIP;
    }
    /* A store that records failures (the freedesktop cache) gets an entry for a source that could
     * be read but not thumbnailed, whatever stopped it (a bad file, a crash, a time-out). */
    if (t->status == TASK_FAILED && t->fail.dst != NULL && !t->unreadable)
        decoder_fail_entry(worker_decoder, t, done);
    *(task_t **)out = t;
    return MAP_EMIT;
}

static void worker_exit(void *ctx)
{
    (void)ctx;
    if (worker_decoder != NULL) {
        decoder_destroy(worker_decoder);
        free(worker_decoder);
        worker_decoder = NULL;
    }
}

/* A fetcher: brings a remote source's bytes into the task; a failure settles the task here. */
static map_result_t fetch(void *ctx, void *in, void *out, done_t *done)
{
    batch_io_t *io = ctx;
    task_t *t = *(task_t **)in;
    char err[300];
    if (io->source->ops->fetch(io->source, t, err, sizeof err) == 0) {
        *(task_t **)out = t;
        return MAP_EMIT;
    }
    if (!done_fired(done)) {
        task_fail(t, TASK_FAILED, "cannot download: %s", err);
        reporter_task(io->rep, t);
    }
    task_free(t);
    return MAP_SKIP;
}

static void fetcher_exit(void *ctx)
{
    batch_io_t *io = ctx;
    if (io->source->ops->thread_exit != NULL)
        io->source->ops->thread_exit(io->source);
}

/* A writer: puts a made task's thumbnails into the store, reports the task and frees it. */
static map_result_t write_out(void *ctx, void *in, void *out, done_t *done)
{
    (void)out;
    batch_io_t *io = ctx;
    task_t *t = *(task_t **)in;
    for (int i = 0; t->status == TASK_MADE && i < t->nouts; i++) {
        char err[300];
        if (io->store->ops->put(io->store, t->outs[i].dst, t->outs[i].buf, t->outs[i].len, err,
                                sizeof err) == 0)
            continue;
        if (done_fired(done)) { /* an upload cut short by Ctrl-C: dropped, like a decode */
            task_free(t);
            return MAP_SKIP;
        }
        task_fail(t, TASK_FAILED, "cannot write %s: %s", t->outs[i].dst, err);
    }
    char err[300];
    if (t->status == TASK_FAILED && t->fail.buf != NULL &&
        io->store->ops->put(io->store, t->fail.dst, t->fail.buf, t->fail.len, err, sizeof err) != 0)
        task_fail(t, TASK_FAILED, "%s (and its failure entry cannot be written: %s)", t->error,
                  err);
    task_release_buffers(t);
    reporter_task(io->rep, t);
    task_free(t);
    return MAP_SKIP;
}

static void writer_exit(void *ctx)
{
    batch_io_t *io = ctx;
    if (io->store->ops->thread_exit != NULL)
        io->store->ops->thread_exit(io->store);
}

/* A map stage over task_t pointers, with a one-item output (see batch_run on channel sizes). */
static map_spec_t task_map(const char *name,
                           map_result_t (*fn)(void *ctx, void *in, void *out, done_t *done),
                           void *ctx, void (*thread_exit)(void *ctx))
{
    return (map_spec_t){.name = name,
                        .fn = fn,
                        .ctx = ctx,
                        .in_item_size = sizeof(task_t *),
                        .out_item_size = sizeof(task_t *),
                        .out_cap = 1,
                        .drop_out = task_drop,
                        .thread_exit = thread_exit};
}

/* n copies of spec on `in`, merged into one channel; *fan and *merge get the two stages. */
static chan_t *fan(const map_spec_t *spec, done_t *done, chan_t *in, unsigned n, stage_t **fan,
                   stage_t **merge)
{
    *fan = stage_fan_out(spec, done, in, n);
    *merge = NULL;
    chan_t **outs = *fan ? malloc(n * sizeof *outs) : NULL;
    if (outs == NULL)
        return NULL;
    for (unsigned i = 0; i < n; i++)
        outs[i] = stage_out(*fan, i);
    *merge = stage_fan_in(done, outs, n, n, task_drop);
    free(outs);
    return *merge ? stage_out(*merge, 0) : NULL;
}

int batch_run(const batch_cfg_t *cfg, done_t *done, reporter_t *rep, batch_result_t *res)
{
    memset(res, 0, sizeof *res);
    unsigned jobs = cfg->jobs ? cfg->jobs : 1;
    lister_t lister = {.source = cfg->source,
                       .store = cfg->store,
                       .dst = cfg->dst,
                       .opts = &cfg->opts,
                       .force = cfg->force,
                       .shard_k = cfg->shard_k,
                       .shard_n = cfg->shard_n,
                       .rep = rep};
    batch_io_t io = {.source = cfg->source, .store = cfg->store, .rep = rep};
    workers_t w = {.dcfg = {.opts = &cfg->opts,
                            .timeout_s = cfg->timeout_s,
                            .max_memory_mib = cfg->max_memory_mib,
                            .exe = "/proc/self/exe"}};
    pthread_mutex_init(&w.mu, NULL);
    map_spec_t fetcher = task_map("fetcher", fetch, &io, fetcher_exit);
    map_spec_t worker = task_map("worker", resize, &w, worker_exit);
    map_spec_t writer = task_map("writer", write_out, &io, writer_exit);

    /* Small channels: a task waiting in a queue holds only its path, but a finished one holds its
     * encoded thumbnails (and a fetched one its source), so queues stay short. */
    enum { NST = 7 };
    stage_t *st[NST] = {NULL};
    st[0] =
        stage_source("lister", done, lister_run, &lister, sizeof(task_t *), 2 * jobs, task_drop);
    chan_t *next = st[0] ? stage_out(st[0], 0) : NULL;
    if (next && cfg->source->ops->fetch != NULL)
        next = fan(&fetcher, done, next, cfg->source->fetchers, &st[1], &st[2]);
    if (next)
        next = fan(&worker, done, next, jobs, &st[3], &st[4]);
    if (next)
        st[5] = stage_fan_out(&writer, done, next, cfg->store->writers);
    bool ok = st[5] != NULL;
    for (size_t i = 0; i < NST; i++)
        if (st[i] != NULL && !stage_ok(st[i]))
            ok = false;
    if (!ok)
        done_fire(done);
    for (size_t i = 0; i < NST; i++)
        stage_join(st[i]);
    res->stats = stage_stats_collect(st, NST, &res->nstats);
    for (size_t i = 0; i < NST; i++)
        stage_free(st[i]);
    pthread_mutex_destroy(&w.mu);
    res->fatal = w.fatal;
    return ok && w.fatal == NULL ? 0 : -1;
}
