/* lister: walks SRC and streams tasks into the pipeline as it finds them (a stage_source). The
 * walk is depth-first with an explicit stack of pending folders; files are passed on straight from
 * readdir, so the first task is on the channel long before the walk ends and memory does not grow
 * with the number of files. It skips hidden entries, DST when it lies inside SRC, and everything
 * that is not a regular file (FIFOs, sockets, devices); symlinks are skipped unless
 * follow_symlinks, and then a folder already visited (a loop) is not entered again.
 * Each folder's names are read and sorted before its files are emitted (so a folder's names, never
 * the tree's, are held at once), which is what makes the clash rule deterministic: when several
 * files of a folder map to one output name (a.png, a.gif -> a.jpg), the one with an image
 * extension that sorts first byte by byte owns it, and the others are reported failed, naming it,
 * on every run, before any up-to-date check or decode.
 * Up-to-date sources (every output exists and is not older) are settled here, before any decode:
 * the workers never see them. */
#ifndef IMAGING_LISTER_H
#define IMAGING_LISTER_H

#include <stdbool.h>

#include "options.h"
#include "report.h"
#include "stage.h"

typedef struct lister {
    const char *src; /* a folder or a single file */
    const char *dst;
    const thumb_opts_t *opts;
    bool force, follow_symlinks;
    reporter_t *rep;
} lister_t;

/* The stage_source function: ctx is a lister_t; it emits task_t pointers. */
void lister_run(void *ctx, stage_emitter_t *em);

#endif
