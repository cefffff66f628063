#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "lister.h"
#include "saver.h"
#include "stage.h"
#include "task.h"
#include "thumbnail.h"

static map_result_t resize(void *ctx, void *in, void *out, done_t *done)
{
    (void)done;
    task_t *t = *(task_t **)in;
    thumb_make(ctx, t);
    *(task_t **)out = t;
    return MAP_EMIT;
}

static void worker_exit(void *ctx)
{
    (void)ctx;
    thumb_thread_shutdown();
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
    saver_init(&saver, rep, cfg->fsync);
    map_spec_t worker = {.name = "worker",
                         .fn = resize,
                         .ctx = (void *)&cfg->opts,
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
