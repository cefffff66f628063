/* pages: --html's pages written through the gallery, and what the user is told of it. A run
 * writes them once its work is done (pages_write); under --watch a thread of their own writes
 * them again each time the work comes to rest after a change (a pass over SRC settled, a burst
 * of changes settled, a source deleted), at most once every PAGES_GAP_S seconds (but for the
 * last, as the watch ends), so that a slow trickle of imports does not rewrite a growing page
 * once a photo (docs/DESIGN.md, "The gallery"). Private to the batch room.
 *
 * Error convention: pages_start returns 0, or -1 when its thread cannot be started; a page that
 * cannot be written is reported as DST's failure (counted, and in the manifest; exit status 1
 * for a run that ends by itself), and the next write tries it again. */
#ifndef IMAGING_BATCH_PAGES_H
#define IMAGING_BATCH_PAGES_H

#include <pthread.h>
#include <stdbool.h>

#include "batch/setup.h"
#include "pipeline/done.h"

/* The least time between two writes of the pages under --watch. */
#define PAGES_GAP_S 1

/* Writes what changed in b's gallery since the last write; complete: gallery_write's (0, or a
 * pass over SRC whose sources are all settled). A page that cannot be written is reported; so
 * is what was written ("pages" in the manifest). Called with no reporter lock held. */
void pages_write(batch_t *b, unsigned complete);

/* The thread that keeps the pages under --watch. */
typedef struct pages {
    batch_t *b;
    done_t *full; /* fired once the store is full: no more pages are written */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool due, stopping; /* under mu */
    /* Under mu: the passes over SRC ended at the last rest (all their sources settled), and
     * the last of them a write was told of (gallery_write's complete). */
    unsigned rested, completed;
} pages_t;

/* Starts the thread and has b's reporter wake it each time the work comes to rest (the
 * reporter's rest hook; set before the pipeline starts). full: the run's. */
int pages_start(pages_t *p, batch_t *b, done_t *full);

/* Once the pipeline has ended: stops and joins the thread, then, when write (the run did not
 * fail), writes what the last changes left unwritten (every settled task is in the store, so
 * its page may show it), unless the store can take nothing more (full, or a bucket once the
 * run was stopped). */
void pages_stop(pages_t *p, bool write);

#endif
