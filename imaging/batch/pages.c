/* --html's writes, once a run's work is done or, under --watch, each time it comes to rest
 * (pages.h says when and why). */
#include "batch/pages.h"

#include <stdio.h>

#include "pipeline/threads.h"

void pages_write(batch_t *b, bool complete)
{
    char why[800];
    gallery_result_t res;
    if (gallery_write(b->gallery, complete, &res, why, sizeof why) != 0)
        reporter_dst_failure(&b->rep, b->cfg.dst, why);
    if (res.written + res.removed > 0)
        reporter_pages(&b->rep, b->cfg.dst, res.written, res.removed);
}

/* Waits until the pages are due, writes them (out of the lock: changes go on arriving, and make
 * them due again), until stopped. */
static void *keep(void *arg)
{
    pages_t *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->due && !p->stopping)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stopping)
            break;
        p->due = false;
        pthread_mutex_unlock(&p->mu);
        if (!done_fired(p->full))
            pages_write(p->b, false); /* (a pass that ended makes it complete: gallery.h) */
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int pages_start(pages_t *p, batch_t *b, done_t *full)
{
    *p = (pages_t){.b = b, .full = full};
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (threads_start(&p->thread, keep, p) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        return -1;
    }
    pthread_mutex_lock(&b->rep.mu);
    b->rep.rest = pages_due;
    b->rep.rest_ctx = p;
    pthread_mutex_unlock(&b->rep.mu);
    return 0;
}

void pages_due(void *ctx)
{
    pages_t *p = ctx;
    pthread_mutex_lock(&p->mu);
    p->due = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void pages_stop(pages_t *p)
{
    pthread_mutex_lock(&p->b->rep.mu);
    p->b->rep.rest = NULL;
    pthread_mutex_unlock(&p->b->rep.mu);
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    threads_join(p->thread);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    batch_t *b = p->b;
    if (!done_fired(p->full) && !(b->store->cut_by_done && done_fired(b->done)))
        pages_write(b, false); /* (a bucket's pages catch up at the next run: see the README) */
}
