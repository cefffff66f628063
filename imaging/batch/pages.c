/* --html's writes, once a run's work is done or, under --watch, each time it comes to rest
 * (pages.h says when and why). */
#include "batch/pages.h"

#include <time.h>

#include "pipeline/child.h"
#include "pipeline/threads.h"

void pages_write(batch_t *b, unsigned complete)
{
    char why[800];
    gallery_result_t res;
    if (gallery_write(b->gallery, complete, &res, why, sizeof why) != 0)
        reporter_failure(&b->rep, NULL, b->cfg.dst, why);
    if (res.written + res.removed > 0)
        reporter_pages(&b->rep, b->cfg.dst, res.written, res.removed);
}

/* Whether the store can still take pages: not once full, nor a bucket once the run is stopped
 * (its requests end with the done). */
static bool writable(const pages_t *p)
{
    return !done_fired(p->full) && !(p->b->store->cut_by_done && done_fired(p->b->done));
}

/* The pass the next write may complete (pages.h), taken: 0 when none ended since (p->mu held). */
static unsigned take_pass(pages_t *p)
{
    unsigned pass = p->rested > p->completed ? p->rested : 0;
    p->completed = p->rested;
    return pass;
}

/* Waits until the pages are due and PAGES_GAP_S has passed since the last write began, writes
 * them (out of the lock: changes go on arriving, and make them due again), until stopped. */
static void *keep(void *arg)
{
    pages_t *p = arg;
    struct timespec next = {0}; /* the earliest the next write may begin (CLOCK_MONOTONIC) */
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->due && !p->stopping)
            pthread_cond_wait(&p->cv, &p->mu);
        int rc = 0; /* a deadline, not a tick: once per write; woken early, waits on */
        while (!p->stopping && rc == 0)
            rc = pthread_cond_timedwait(&p->cv, &p->mu, &next);
        if (p->stopping)
            break;
        p->due = false;
        unsigned pass = take_pass(p);
        pthread_mutex_unlock(&p->mu);
        next = child_deadline(PAGES_GAP_S);
        if (writable(p))
            pages_write(p->b, pass);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* The reporter's rest hook (called with the reporter's mutex held, passes ended so far): the
 * pages are due; the thread writes them once it is free and the gap has passed, every change
 * made meanwhile included. */
static void pages_due(void *ctx, unsigned passes)
{
    pages_t *p = ctx;
    pthread_mutex_lock(&p->mu);
    p->due = true;
    p->rested = passes;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

int pages_start(pages_t *p, batch_t *b, done_t *full)
{
    *p = (pages_t){.b = b, .full = full};
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* the gap, whatever the wall clock does */
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
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

void pages_stop(pages_t *p, bool write)
{
    pthread_mutex_lock(&p->b->rep.mu);
    p->b->rep.rest = NULL;
    pthread_mutex_unlock(&p->b->rep.mu);
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    threads_join(p->thread);
    unsigned pass = take_pass(p); /* (the thread has ended: p is this thread's alone) */
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    if (write && writable(p))
        pages_write(p->b, pass); /* (a bucket's pages catch up at the next run: README) */
}
