#include "signals.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

/* The watcher's private wake-up: signals_stop sends it to the watcher thread alone. */
#define STOP_SIGNAL SIGUSR1

static void watched_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, STOP_SIGNAL);
}

int signals_block(void)
{
    sigset_t set;
    watched_set(&set);
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *watcher(void *arg)
{
    sigwatch_t *w = arg;
    sigset_t set;
    watched_set(&set);
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == STOP_SIGNAL && atomic_load(&w->stopping))
            return NULL;
        if (sig == STOP_SIGNAL)
            continue; /* someone else's SIGUSR1: not ours to act on */
        if (!atomic_exchange(&w->interrupted, true)) {
            done_fire(w->done);
            continue;
        }
        if (w->on_second != NULL)
            w->on_second();
        static const char msg[] = "thumbgen: interrupted again, stopping now\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
        _exit(130);
    }
}

int signals_start(sigwatch_t *w, done_t *done, void (*on_second)(void))
{
    memset(w, 0, sizeof *w);
    w->done = done;
    w->on_second = on_second;
    atomic_init(&w->interrupted, false);
    atomic_init(&w->stopping, false);
    int rc = pthread_create(&w->thread, NULL, watcher, w);
    w->started = rc == 0;
    return rc;
}

bool signals_interrupted(sigwatch_t *w)
{
    return atomic_load(&w->interrupted);
}

void signals_stop(sigwatch_t *w)
{
    if (!w->started)
        return;
    atomic_store(&w->stopping, true);
    pthread_kill(w->thread, STOP_SIGNAL);
    pthread_join(w->thread, NULL);
    w->started = false;
}
