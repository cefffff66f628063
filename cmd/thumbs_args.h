/* thumbs_args: the thumbnailer's command line, `thumbgen SRC DST [options]` and
 * `thumbgen --freedesktop SRC [options]`: its usage text and its parser.
 * Error convention (cmd/'s, see opts.h): thumbs_parse prints nothing; on a usage error it writes
 * the reason, one line that names the option and says what it expects, into the caller's buffer
 * and returns -1, and the caller reports it with tg_error. */
#ifndef CMD_THUMBS_ARGS_H
#define CMD_THUMBS_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "imaging/batch.h"

typedef struct {
    batch_cfg_t cfg;  /* cfg.dst: DST as given, or the cache's form with --freedesktop */
    bool freedesktop; /* --freedesktop */
} thumbs_args_t;

/* Prints the thumbnail usage to f: everything (--help, and the man page made from it). */
void thumbs_usage(FILE *f);

/* Prints a short usage (at most 10 lines) to f, for a run with no arguments: the forms and the
 * commonest options, and where the rest is (--help). */
void thumbs_usage_short(FILE *f);

/* Parses argv into a: 0 to run, 1 for --help, -1 for a usage error, whose reason is then in
 * err (errlen bytes, truncated to fit). */
int thumbs_parse(int argc, char **argv, thumbs_args_t *a, char *err, size_t errlen);

#endif
