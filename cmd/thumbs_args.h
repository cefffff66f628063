/* thumbs_args: the thumbnailer's command line, `thumbgen SRC DST [options]` and
 * `thumbgen --freedesktop SRC [options]`: its usage text and its parser.
 * Error convention: thumbs_parse reports a usage error itself, on stderr as one line that names
 * the option and says what it expects, and returns -1. */
#ifndef CMD_THUMBS_ARGS_H
#define CMD_THUMBS_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "imaging/batch.h"

typedef struct {
    batch_cfg_t cfg; /* cfg.dst: DST as given (NULL with --freedesktop) */
} thumbs_args_t;

/* Prints the thumbnail usage to f. */
void thumbs_usage(FILE *f);

/* Parses argv into a: 0 to run, 1 for --help, -1 for a usage error (reported). */
int thumbs_parse(int argc, char **argv, thumbs_args_t *a);

#endif
