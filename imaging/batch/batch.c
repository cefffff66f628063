#include "batch/batch.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder/worker.h"
#include "batch/lister.h"
#include "batch/pages.h"
#include "pipeline/stage.h"
#include "batch/prune.h"
#include "pipeline/threads.h"
#include "batch/setup.h"

_Static_assert(BATCH_DEFAULT_TIMEOUT == DEC_DEFAULT_TIMEOUT, "one default timeout");
_Static_assert(BATCH_DEFAULT_MAX_MEMORY == DEC_DEFAULT_MAX_MEMORY, "one default memory limit");
_Static_assert(BATCH_MIN_MAX_MEMORY == DEC_MIN_MAX_MEMORY, "one least memory limit");

/* What every stage thread of a run shares. */
typedef struct {
    batch_t *b; /* its source, store and reporter */
    lister_t *lister;
    order_t *order; /* results ordered per source (order.h): the lister numbers, writers claim */
    decoder_cfg_t dcfg;
    pthread_mutex_t mu;
    pthread_cond_t set_up; /* broadcast as each stage thread's set-up ends */
    unsigned unready;      /* stage threads whose set-up has not ended yet */
    bool any_started; /* some decoder started: a decoder that cannot start is then one file's */
    char fatal[400];  /* why the run cannot go on (a thread's set-up failed, no decoder can start
                       * here), set by the first to find out; "" while it can */
    done_t *full;     /* fired when a write finds the store full: nothing more is decoded or written
                       * (docs/DESIGN.md, "A full disk") */
} run_t;

/* One stage thread's own state: its decoder (resize workers, started with the first file), and
 * the source's or store's state for the thread, if it calls them. */
typedef struct {
    run_t *run;
    decoder_t dec;
    void *src_local, *store_local;
    bool opens; /* this thread opens sources (an opener, or a worker of a local source) */
    bool writes;
} local_t;

const char *batch_test_thread_fault;

static void local_exit(void *ctx);

/* Sets a stage thread up (NULL when it cannot work: the stage fires done). Either way, counts its
 * set-up as ended, and when it failed makes that the run's fatal error, so that the run ends as
 * a setup error, not as if interrupted. */
static local_t *local_new(run_t *run, const char *stage, bool opens, bool writes)
{
    local_t *l = calloc(1, sizeof *l);
    bool ok = l != NULL &&
              (batch_test_thread_fault == NULL || strcmp(batch_test_thread_fault, stage) != 0);
    if (ok) {
        l->run = run;
        decoder_init(&l->dec, &run->dcfg);
        const source_ops_t *so = run->b->source->ops;
        const store_ops_t *wo = run->b->store->ops;
        l->opens = opens && so->thread_init != NULL;
        l->writes = writes && wo->thread_init != NULL;
        if (l->opens && (l->src_local = so->thread_init(run->b->source)) == NULL)
            ok = l->opens = false;
        if (ok && l->writes && (l->store_local = wo->thread_init(run->b->store)) == NULL)
            ok = l->writes = false;
    }
    pthread_mutex_lock(&run->mu);
    run->unready--;
    if (!ok && run->fatal[0] == '\0')
        snprintf(run->fatal, sizeof run->fatal, "a %s thread cannot be set up (out of memory)",
                 stage);
    pthread_cond_broadcast(&run->set_up);
    pthread_mutex_unlock(&run->mu);
    if (!ok && l != NULL && l->run != NULL)
        local_exit(l);
    else if (!ok)
        free(l);
    return ok ? l : NULL;
}

static void local_exit(void *ctx)
{
    local_t *l = ctx;
    batch_t *b = l->run->b;
    decoder_destroy(&l->dec);
    if (l->opens && b->source->ops->thread_exit != NULL)
        b->source->ops->thread_exit(b->source, l->src_local);
    if (l->writes && b->store->ops->thread_exit != NULL)
        b->store->ops->thread_exit(b->store, l->store_local);
    free(l);
}

static void *opener_init(void *ctx)
{
    return local_new(ctx, "opener", true, false);
}

static void *worker_init(void *ctx)
{
    run_t *run = ctx; /* without openers, the workers open the sources themselves */
    return local_new(run, "worker", run->b->source->openers == 0, false);
}

static void *writer_init(void *ctx)
{
    return local_new(ctx, "writer", false, true);
}

/* Opens t's source into t->fd; false (t failed, with the reason) when it cannot be read. */
static bool open_source(local_t *l, task_t *t)
{
    char err[400];
    source_t *src = l->run->b->source;
    t->fd = src->ops->open(src, l->src_local, t, err, sizeof err);
    if (t->fd < 0) /* gone before its turn: the removal settles its name; no exit status */
        task_fail(t, t->reason ? TASK_SKIPPED : TASK_FAILED, "%s", err);
    return t->fd >= 0;
}

/* An opener (a remote source's): brings the source's bytes before a worker is free for them. */
static map_result_t open_one(void *ctx, void *in, void *out, done_t *done)
{
    local_t *l = ctx;
    task_t *t = *(task_t **)in;
    if (done_fired(l->run->full))
        t->status = TASK_NOT_ATTEMPTED; /* not fetched: nowhere to put its thumbnail */
    else if (!open_source(l, t) && done_fired(done)) {
        task_free(t); /* a download cut short by Ctrl-C: dropped */
        return MAP_SKIP;
    }
    *(task_t **)out = t;
    return MAP_EMIT;
}

/* A resize worker: has its decoder make t's thumbnails (a failed source goes on, to be reported,
 * and recorded where the store keeps failure entries). */
static map_result_t resize(void *ctx, void *in, void *out, done_t *done)
{
    local_t *l = ctx;
    run_t *run = l->run;
    task_t *t = *(task_t **)in;
    if (done_fired(run->full) && t->status == TASK_MADE)
        t->status = TASK_NOT_ATTEMPTED; /* not decoded: nowhere to put its thumbnail */
    if (t->status == TASK_NOT_ATTEMPTED) {
        if (t->fd >= 0)
            close(t->fd);
        t->fd = -1;
        *(task_t **)out = t;
        return MAP_EMIT;
    }
    if (t->fd < 0 && t->status != TASK_FAILED && t->status != TASK_SKIPPED)
        open_source(l, t);
    int src = t->fd;
    t->fd = -1;
    decode_result_t r = decoder_make(&l->dec, t, src, done);
    pthread_mutex_lock(&run->mu);
    run->any_started |= l->dec.started;
    bool fatal = r == DECODE_NO_DECODER && !run->any_started;
    if (fatal && run->fatal[0] == '\0')
        snprintf(run->fatal, sizeof run->fatal, "%s",
                 t->error ? t->error : "no decoder could be started");
    pthread_mutex_unlock(&run->mu);
    if (fatal)
        done_fire(done); /* nothing can be thumbnailed here */
    if (r == DECODE_CANCELLED || fatal) {
        task_free(t); /* dropped */
        return MAP_SKIP;
    }
    *(task_t **)out = t;
    return MAP_EMIT;
}

/* A writer: puts a made task's thumbnails (or a failed or not-an-image one's record) into the
 * store, reports the task and frees it. Once a write finds the store full (ENOSPC, EDQUOT), that
 * source's outputs written before go, `full` fires, and no later task is written. */
static map_result_t write_out(void *ctx, void *in, void *out, done_t *done)
{
    (void)out;
    local_t *l = ctx;
    store_t *store = l->run->b->store;
    order_t *order = l->run->order;
    task_t *t = *(task_t **)in;
    char err[300];
    /* Only the newest job for a source, still what its decoder read, writes (order.h). */
    bool may = order_claim(order, t);
    if (may && t->status == TASK_MADE && done_fired(l->run->full))
        t->status = TASK_NOT_ATTEMPTED; /* decoded before the store was full: not written */
    for (int i = 0; may && t->status == TASK_MADE && i < t->nouts; i++) {
        if (store->ops->put(store, l->store_local, t, t->outs[i].dst, t->outs[i].buf,
                            t->outs[i].len, err, sizeof err) == 0)
            continue;
        bool full = errno == ENOSPC || errno == EDQUOT;
        if (done_fired(done)) { /* an upload cut short by Ctrl-C: dropped, like a decode */
            order_done(order, t);
            task_free(t);
            return MAP_SKIP;
        }
        task_fail(t, TASK_FAILED, "cannot write %s: %s", t->outs[i].dst, err);
        if (full) { /* the run stops here; none of this source's outputs is left behind (one that
                     * cannot be removed is whole, only not all there) */
            reporter_full(&l->run->b->rep, err);
            done_fire(l->run->full);
            char *written[THUMB_MAX_SIZES];
            for (int k = 0; k < i; k++)
                written[k] = t->outs[k].dst;
            if (i > 0 && store->ops->remove != NULL)
                store->ops->remove(store, written, (size_t)i, NULL, NULL);
        }
        break;
    }
    bool skipped = t->status == TASK_SKIPPED; /* not an image: the decoder's verdict */
    const char *record = skipped ? t->skip_dst : t->status == TASK_FAILED ? t->fail.dst : NULL;
    if (may && record != NULL && t->fail.buf != NULL && !done_fired(l->run->full) &&
        store->ops->put(store, l->store_local, t, record, t->fail.buf, t->fail.len, err,
                        sizeof err) != 0 &&
        !skipped) /* (a skip record that cannot be written: tried again next run) */
        task_fail(t, TASK_FAILED, "%s (and its failure entry cannot be written: %s)", t->error,
                  err);
    order_done(order, t);
    task_release_buffers(t);
    reporter_task(&l->run->b->rep, t);
    task_free(t);
    return MAP_SKIP;
}

/* A pool of n threads over task_t pointers; out: whether it passes tasks on, on one channel with
 * room for one task per thread (finished tasks hold their encoded thumbnails: queues stay short).
 */
static stage_t *task_pool(const char *name,
                          map_result_t (*fn)(void *ctx, void *in, void *out, done_t *done),
                          void *(*init)(void *ctx), run_t *run, bool out, done_t *done, chan_t *in,
                          unsigned n)
{
    map_spec_t spec = {.name = name,
                       .fn = fn,
                       .ctx = run,
                       .in_item_size = sizeof(task_t *),
                       .out_item_size = out ? sizeof(task_t *) : 0,
                       .out_cap = n,
                       .drop_out = task_drop,
                       .thread_init = init,
                       .thread_exit = local_exit};
    return stage_pool(&spec, done, in, n);
}

/* The lister's stage: lists once every stage thread is set up, so that a thread that cannot be
 * leaves nothing made; not at all when one could not, or when done fired meanwhile. */
static void list_when_set_up(void *ctx, stage_emitter_t *em)
{
    run_t *run = ctx;
    done_t *done = stage_emitter_done(em);
    done_waiter_t w = {.mu = &run->mu, .cv = &run->set_up};
    done_register(done, &w);
    pthread_mutex_lock(&run->mu);
    while (run->unready > 0 && run->fatal[0] == '\0' && !done_fired(done))
        pthread_cond_wait(&run->set_up, &run->mu);
    bool ok = run->unready == 0 && run->fatal[0] == '\0';
    pthread_mutex_unlock(&run->mu);
    done_unregister(done, &w);
    if (ok)
        lister_run(run->lister, em);
}

/* The counting walk beside the lister (source ops->count), for the progress bar's total. */
typedef struct {
    batch_t *b;
    atomic_bool stop;
    pthread_t thread;
    bool started;
} counter_t;

static void *count_body(void *arg)
{
    counter_t *c = arg;
    batch_t *b = c->b;
    /* Low priority (this thread alone: Linux gives each thread its own nice value), so that it
     * never slows the lister or the workers; it only reads names. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
    uint64_t n = 0;
    if (b->source->ops->count(b->source, &c->stop, &n, b->cfg.shard_k, b->cfg.shard_n))
        reporter_counted(&b->rep, n);
    return NULL;
}

/* Starts counting when there is a bar to show the total on and the source can count. */
static void counter_start(counter_t *c, batch_t *b)
{
    *c = (counter_t){.b = b};
    atomic_init(&c->stop, false);
    if (b->rep.progress && b->source->ops->count != NULL)
        c->started = threads_start(&c->thread, count_body, c) == 0; /* else: no total early */
}

static void counter_stop(counter_t *c)
{
    atomic_store(&c->stop, true);
    if (c->started)
        threads_join(c->thread);
}

int batch_run(batch_t *b, char *err, size_t errsz)
{
    done_t *done = b->done;
    const batch_cfg_t *cfg = &b->cfg;
    unsigned jobs = cfg->jobs ? cfg->jobs : 1;
    pruner_t pruner;
    pruner_init(&pruner);
    order_t *order = order_new(); /* NULL (out of memory): identity checks alone */
    lister_t lister = {.source = b->source,
                       .prune = cfg->prune ? &pruner : NULL,
                       .store = b->store,
                       .cfg = cfg,
                       .rep = &b->rep,
                       .order = order,
                       .gallery = b->gallery};
    run_t run = {.b = b,
                 .lister = &lister,
                 .order = order,
                 .unready = b->source->openers + jobs + b->store->writers,
                 .dcfg = {.opts = &cfg->opts,
                          .timeout_s = cfg->timeout_s,
                          .max_memory_mib = cfg->max_memory_mib,
                          .exe = "/proc/self/exe"}};
    done_t full;
    done_init(&full);
    run.full = &full;
    lister.full = &full;
    pthread_mutex_init(&run.mu, NULL);
    pthread_cond_init(&run.set_up, NULL);
    pages_t pages; /* --watch --html: the pages follow the library as it changes */
    bool keeping = b->gallery != NULL && cfg->watch;
    if (keeping && pages_start(&pages, b, &full) != 0) {
        keeping = false;
        snprintf(run.fatal, sizeof run.fatal, "the thread that writes the pages cannot be started");
    }

    /* Small channels: a task waiting in a queue holds only its path, but a finished one holds its
     * encoded thumbnails (and an opened one its source), so queues stay short. */
    counter_t counter;
    counter_start(&counter, b);
    if (cfg->prune && !cfg->watch) /* DST is scanned while SRC is listed */
        prune_scan_start(&pruner, b->store, cfg);
    stage_set_t set;
    stage_set_init(&set);
    chan_t *next = stage_set_add(&set, stage_source("lister", done, list_when_set_up, &run,
                                                    sizeof(task_t *), 2 * jobs, task_drop));
    if (next && b->source->openers > 0)
        next = stage_set_add(&set, task_pool("opener", open_one, opener_init, &run, true, done,
                                             next, b->source->openers));
    if (next)
        next = stage_set_add(
            &set, task_pool("worker", resize, worker_init, &run, true, done, next, jobs));
    if (next)
        stage_set_add(&set, task_pool("writer", write_out, writer_init, &run, false, done, next,
                                      b->store->writers));
    if (!set.ok)
        done_fire(done);
    bool ok = set.ok;
    free(b->stats);
    b->stats = stage_set_finish(&set, &b->nstats);
    counter_stop(&counter);
    if (run.fatal[0] != '\0')
        snprintf(err, errsz, "%s", run.fatal);
    else if (!ok)
        snprintf(err, errsz, "could not start the pipeline (out of memory or threads)");
    ok = ok && run.fatal[0] == '\0';
    if (keeping) /* and writes what the last changes left, unless the run failed */
        pages_stop(&pages, ok);
    pthread_cond_destroy(&run.set_up);
    pthread_mutex_destroy(&run.mu);
    if (cfg->prune && !cfg->watch && ok && !done_fired(done) && !done_fired(&full))
        prune_run(&pruner, b->store, cfg, &b->rep); /* cancellable by done */
    pruner_free(&pruner); /* joins the scan, which may still use the done */
    /* Once the workers are done and the store pruned; not on a full disk (the pages would not
     * fit either). Complete (a listing of all of SRC, its sources settled): a failure not settled
     * again is gone. */
    if (b->gallery != NULL && !cfg->watch && ok && !done_fired(done) && !done_fired(&full))
        pages_write(b, cfg->files_from == NULL ? 1 : 0); /* pass 1: the run's listing */
    order_free(order);
    done_destroy(&full);
    return ok ? 0 : -1;
}
