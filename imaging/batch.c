#include "batch.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lister.h"
#include "saver.h"
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

int batch_run(const batch_cfg_t *cfg, done_t *done, reporter_t *rep, batch_result_t *res)
{
    memset(res, 0, sizeof *res);
    unsigned jobs = cfg->jobs ? cfg->jobs : 1;
    lister_t lister = {.src = cfg->src,
                       .dst = cfg->dst,
                       .opts = &cfg->opts,
                       .force = cfg->force,
                       .follow_symlinks = cfg->follow_symlinks,
                       .rep = rep};
    saver_t saver;
    int src = saver_init(&saver, rep, cfg->fsync, cfg->dst);
    if (src != 0) {
        reporter_failure(rep, cfg->dst, strerror(src));
        saver_destroy(&saver);
        return -1;
    }
    workers_t w = {.dcfg = {.opts = &cfg->opts,
                            .timeout_s = cfg->timeout_s,
                            .max_memory_mib = cfg->max_memory_mib,
                            .exe = "/proc/self/exe"}};
    pthread_mutex_init(&w.mu, NULL);
    map_spec_t worker = {.name = "worker",
                         .fn = resize,
                         .ctx = &w,
                         .in_item_size = sizeof(task_t *),
                         .out_item_size = sizeof(task_t *),
                         .out_cap = 1,
                         .drop_out = task_drop,
                         .thread_exit = worker_exit};

    /* Small channels: a task waiting in a queue holds only its path, but a finished one holds its
     * encoded thumbnails, so queues after the workers stay short. */
    stage_t *st[4] = {NULL};
    st[0] =
        stage_source("lister", done, lister_run, &lister, sizeof(task_t *), 2 * jobs, task_drop);
    if (st[0])
        st[1] = stage_fan_out(&worker, done, stage_out(st[0], 0), jobs);
    if (st[1]) {
        chan_t **outs = malloc(jobs * sizeof *outs);
        if (outs != NULL) {
            for (unsigned i = 0; i < jobs; i++)
                outs[i] = stage_out(st[1], i);
            st[2] = stage_fan_in(done, outs, jobs, jobs, task_drop);
            free(outs);
        }
    }
    if (st[2])
        st[3] = stage_sink("saver", done, stage_out(st[2], 0), saver_sink, &saver);
    int rc = 0;
    for (size_t i = 0; i < 4; i++)
        if (st[i] == NULL || !stage_ok(st[i]))
            rc = -1;
    if (rc != 0)
        done_fire(done);
    for (size_t i = 0; i < 4; i++)
        stage_join(st[i]);
    res->stats = stage_stats_collect(st, 4, &res->nstats);
    for (size_t i = 0; i < 4; i++)
        stage_free(st[i]);
    saver_destroy(&saver);
    pthread_mutex_destroy(&w.mu);
    res->fatal = w.fatal;
    return rc == 0 && w.fatal != NULL ? -1 : rc;
}
