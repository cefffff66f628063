/* Helpers shared by the pipeline tests. */
#ifndef PIPELINE_TESTS_UTIL_H
#define PIPELINE_TESTS_UTIL_H

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "done.h"

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

/* Threads in this process, from /proc/self/status. */
static inline int thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int n = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "Threads: %d", &n) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return n;
}

static inline void *nothing(void *arg)
{
    return arg;
}

/* Thread count to compare against after a run. Starts and joins one thread first, because some
 * runtimes (TSan) start a helper thread of their own at the first pthread_create. */
static inline int thread_baseline(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, nothing, NULL) == 0)
        pthread_join(t, NULL);
    return thread_count();
}

#endif
