/* signals: SIGINT/SIGTERM handling the docs/DESIGN.md way. Signals are blocked in every thread
 * (block them in main before starting any thread: threads inherit the mask) and received by one
 * watcher thread with sigwait. The first SIGINT or SIGTERM fires the run's done; a second one calls
 * the emergency hook (which removes temporary files) and ends the process at once with status 130.
 *
 * Error convention: signals_block and signals_start return 0 or an errno value. */
#ifndef CMD_SIGNALS_H
#define CMD_SIGNALS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "pipeline/done.h"

typedef struct sigwatch {
    pthread_t thread;
    bool started;
    done_t *done;
    void (*on_second)(void);
    atomic_bool interrupted, stopping;
} sigwatch_t;

/* Blocks SIGINT, SIGTERM and the watcher's private stop signal in the calling thread. Call first
 * thing in main. Returns 0 or an errno value. */
int signals_block(void);

/* Starts the watcher; on_second (may be NULL) runs on a second signal, just before _exit(130). */
int signals_start(sigwatch_t *w, done_t *done, void (*on_second)(void));

/* True once a first SIGINT/SIGTERM has been received. */
bool signals_interrupted(sigwatch_t *w);

/* Stops and joins the watcher. */
void signals_stop(sigwatch_t *w);

#endif
