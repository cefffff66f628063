/* threads: every thread the pipeline library starts goes through here, which keeps a count of the
 * threads started and not yet joined. It lets a test check deterministically that a run joined
 * every thread it started: the kernel's own count (/proc/self/status) lags behind pthread_join,
 * which may return before the kernel has let the finished thread go.
 *
 * Error convention: as pthread_create (0 or an error number). */
#ifndef PIPELINE_THREADS_H
#define PIPELINE_THREADS_H

#include <pthread.h>

/* pthread_create with default attributes, counted while the thread is not joined. */
int threads_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* pthread_join, uncounting the thread. */
void threads_join(pthread_t t);

/* Threads started through threads_start and not yet joined, in the whole process. */
long threads_unjoined(void);

#endif
