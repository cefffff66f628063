#include "threads.h"

#include <stdatomic.h>

static atomic_long unjoined;

int threads_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    atomic_fetch_add(&unjoined, 1);
    int rc = pthread_create(t, NULL, fn, arg);
    if (rc != 0)
        atomic_fetch_sub(&unjoined, 1);
    return rc;
}

void threads_join(pthread_t t)
{
    pthread_join(t, NULL);
    atomic_fetch_sub(&unjoined, 1);
}

long threads_unjoined(void)
{
    return atomic_load(&unjoined);
}
