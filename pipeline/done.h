/* done: a fire-once cancellation signal, Go's `done` channel / context cancel.
 *
 * Firing is idempotent. Every thread blocked in a channel operation that was given this done is
 * woken at once (not polled): a blocked operation registers a waiter node on the done before it
 * sleeps, and done_fire broadcasts every registered waiter's condition variable.
 *
 * Lock order: done->mu is taken before a channel's mutex, never after. Waiters register and
 * unregister without holding their channel's mutex, so the order is never inverted.
 *
 * Error convention: nothing here fails but done_fd, which returns -1 when no descriptor can be
 * made (the caller then waits without it). */
#ifndef PIPELINE_DONE_H
#define PIPELINE_DONE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* One sleeping thread: the mutex it sleeps under and the condition it sleeps on. Lives on the
 * sleeper's stack between done_register and done_unregister. */
typedef struct done_waiter {
    pthread_mutex_t *mu;
    pthread_cond_t *cv;
    struct done_waiter *prev, *next;
} done_waiter_t;

typedef struct done {
    atomic_bool fired;
    pthread_mutex_t mu; /* guards the waiter list, the descriptor and the firing */
    done_waiter_t *waiters;
    int fd; /* eventfd made by done_fd on first use, -1 until then */
} done_t;

/* Initialises an unfired done owned by the caller. */
void done_init(done_t *d);

/* Destroys a done; no thread may be using it. */
void done_destroy(done_t *d);

/* Fires the signal and wakes every registered waiter; firing again does nothing. Safe from any
 * thread (not from a signal handler: thumbgen receives signals with sigwait). */
void done_fire(done_t *d);

/* True once fired. NULL is a done that never fires. */
static inline bool done_fired(const done_t *d)
{
    return d != NULL && atomic_load_explicit(&((done_t *)d)->fired, memory_order_acquire);
}

/* A descriptor that becomes readable once the done fires, for threads that wait in poll(2) on
 * something else too (a child process's answer). Made on first use and owned by the done (closed
 * by done_destroy); it is never read, so it stays readable. -1 if it cannot be made (EMFILE). */
int done_fd(done_t *d);

/* Registers w (mu/cv filled by the caller) so that done_fire broadcasts w->cv under w->mu.
 * The caller must not hold w->mu. NULL d is allowed and does nothing. */
void done_register(done_t *d, done_waiter_t *w);

/* Removes w; the caller must not hold w->mu. */
void done_unregister(done_t *d, done_waiter_t *w);

#endif
