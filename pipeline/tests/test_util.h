/* Helpers shared by the pipeline tests. */
#ifndef PIPELINE_TESTS_UTIL_H
#define PIPELINE_TESTS_UTIL_H

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/done.h"

/* Waits (yielding) until some thread is blocked on d, i.e. has registered a waiter, so a test can
 * prove that firing d wakes a thread that really is asleep. */
static inline void wait_for_waiter(done_t *d)
{
    for (;;) {
        pthread_mutex_lock(&d->mu);
        int any = d->waiters != NULL;
        pthread_mutex_unlock(&d->mu);
        if (any)
            return;
        sched_yield();
    }
}

#endif
