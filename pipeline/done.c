#include "done.h"

#include <sys/eventfd.h>
#include <unistd.h>

void done_init(done_t *d)
{
    atomic_init(&d->fired, false);
    pthread_mutex_init(&d->mu, NULL);
    d->waiters = NULL;
    d->fd = -1;
}

void done_destroy(done_t *d)
{
    if (d->fd >= 0)
        close(d->fd);
    pthread_mutex_destroy(&d->mu);
}

void done_fire(done_t *d)
{
    pthread_mutex_lock(&d->mu);
    if (!atomic_exchange(&d->fired, true)) {
        /* A waiter checks `fired` while holding its own mutex and then sleeps, releasing it.
         * Taking that mutex here means we either come before its check (it sees fired) or
         * after it is asleep (the broadcast wakes it): no lost wake-up. */
        for (done_waiter_t *w = d->waiters; w != NULL; w = w->next) {
            pthread_mutex_lock(w->mu);
            pthread_cond_broadcast(w->cv);
            pthread_mutex_unlock(w->mu);
        }
        if (d->fd >= 0)
            (void)eventfd_write(d->fd, 1);
    }
    pthread_mutex_unlock(&d->mu);
}

void done_register(done_t *d, done_waiter_t *w)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->mu);
    w->prev = NULL;
    w->next = d->waiters;
    if (d->waiters != NULL)
        d->waiters->prev = w;
    d->waiters = w;
    pthread_mutex_unlock(&d->mu);
}

void done_unregister(done_t *d, done_waiter_t *w)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->mu);
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        d->waiters = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&d->mu);
}

int done_fd(done_t *d)
{
    pthread_mutex_lock(&d->mu);
    if (d->fd < 0) {
        d->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (d->fd >= 0 && atomic_load(&d->fired))
            (void)eventfd_write(d->fd, 1);
    }
    int fd = d->fd;
    pthread_mutex_unlock(&d->mu);
    return fd;
}
