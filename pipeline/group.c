#include "group.h"
#include "threads.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct task {
    pthread_t thread;
    group_t *g;
    group_task_fn fn;
    void *arg;
    bool finished;
    struct task *next;
};

struct group {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a task finished */
    size_t limit, running;
    int err;
    done_t done;
    struct task *tasks; /* started, not yet joined */
};

group_t *group_new(size_t limit)
{
    group_t *g = calloc(1, sizeof *g);
    if (g == NULL)
        return NULL;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->limit = limit;
    done_init(&g->done);
    return g;
}

/* Records the first error and then fires the done (never under g->mu: done_fire takes the
 * mutexes of registered waiters, and group_go registers g->mu). */
static void record_error(group_t *g, int err)
{
    pthread_mutex_lock(&g->mu);
    bool first = err != 0 && g->err == 0;
    if (first)
        g->err = err;
    pthread_mutex_unlock(&g->mu);
    if (first)
        done_fire(&g->done);
}

static void *task_main(void *arg)
{
    struct task *t = arg;
    group_t *g = t->g;
    int err = t->fn(t->arg, &g->done);
    /* Cancel before freeing the slot, so a group_go waiting for that slot sees the cancellation
     * rather than starting another task. */
    record_error(g, err);
    pthread_mutex_lock(&g->mu);
    g->running--;
    t->finished = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

/* Unlinks finished tasks (under g->mu) into a list the caller joins outside the lock. */
static struct task *take_finished(group_t *g)
{
    struct task *reaped = NULL, **p = &g->tasks;
    while (*p != NULL) {
        struct task *t = *p;
        if (t->finished) {
            *p = t->next;
            t->next = reaped;
            reaped = t;
        } else {
            p = &t->next;
        }
    }
    return reaped;
}

static void join_list(struct task *t)
{
    while (t != NULL) {
        struct task *next = t->next;
        threads_join(t->thread);
        free(t);
        t = next;
    }
}

int group_go(group_t *g, group_task_fn fn, void *arg)
{
    struct task *t = calloc(1, sizeof *t);
    if (t == NULL) {
        record_error(g, 12 /* ENOMEM */);
        return 12;
    }
    t->g = g;
    t->fn = fn;
    t->arg = arg;

    done_waiter_t w = {.mu = &g->mu, .cv = &g->cv};
    done_register(&g->done, &w);
    pthread_mutex_lock(&g->mu);
    while (g->limit != 0 && g->running >= g->limit && !done_fired(&g->done))
        pthread_cond_wait(&g->cv, &g->mu);
    struct task *reaped = take_finished(g);
    int rc = 0;
    if (done_fired(&g->done)) {
        rc = -1;
    } else if ((rc = threads_start(&t->thread, task_main, t)) == 0) {
        g->running++;
        t->next = g->tasks;
        g->tasks = t;
        t = NULL;
    }
    pthread_mutex_unlock(&g->mu);
    done_unregister(&g->done, &w);
    join_list(reaped);
    free(t);
    if (rc > 0)
        record_error(g, rc);
    return rc;
}

int group_wait(group_t *g)
{
    pthread_mutex_lock(&g->mu);
    struct task *all = g->tasks;
    g->tasks = NULL;
    pthread_mutex_unlock(&g->mu);
    join_list(all);
    pthread_mutex_lock(&g->mu);
    int err = g->err;
    pthread_mutex_unlock(&g->mu);
    return err;
}

void group_free(group_t *g)
{
    if (g == NULL)
        return;
    done_destroy(&g->done);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}
