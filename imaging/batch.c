#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "lister.h"
#include "saver.h"
#include "stage.h"
#include "task.h"
#include "worker.h"

/* Each resize worker thread's decoder, started with its first file and ended with the thread. */
static _Thread_local decoder_t *worker_decoder;

static map_result_t resize(void *ctx, void *in, void *out, done_t *done)
{
    task_t *t = *(task_t **)in;
    if (worker_decoder == NULL) {
        worker_decoder = malloc(sizeof *worker_decoder);
        if (worker_decoder == NULL) {
            task_fail(t, TASK_FAILED, "out of memory");
            *(task_t **)out = t;
            return MAP_EMIT;
        }
        decoder_init(worker_decoder, ctx);
    }
    if (!decoder_make(worker_decoder, t, done)) {
        task_free(t); /* cancelled while in flight: dropped */
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
    decoder_cfg_t dcfg = {.opts = &cfg->opts,
                          .timeout_s = cfg->timeout_s,
                          .max_memory_mib = cfg->max_memory_mib,
                          .exe = "/proc/self/exe"};
    map_spec_t worker = {.name = "worker",
                         .fn = resize,
                         .ctx = &dcfg,
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
    return rc;
}
