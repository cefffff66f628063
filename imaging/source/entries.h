/* entries: reads the --files-from list (a file or stdin) an entry at a time, as it arrives, for the
 * list source (files.c) and the S3 source alike. Entries end with a newline or a NUL (-0); the
 * last one may end with the list. Waiting for more of the list is a poll() beside the run's done,
 * so a run fed by a pipe that stays open still stops at once on Ctrl-C.
 *
 * Error convention: entries_open returns 0 or -1 with errno; entries_next returns the next entry
 * or NULL at the end, with *cancelled set when the run's done fired and *err an errno value when
 * the list could not be read. */
#ifndef IMAGING_SOURCE_ENTRIES_H
#define IMAGING_SOURCE_ENTRIES_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline/done.h"

typedef struct entries {
    int fd;
    bool close_fd; /* false for stdin */
    char sep;
    char *buf; /* what has been read of the list and not yet handed out */
    size_t start, len, cap;
    bool eof;
} entries_t;

/* Opens the list path ("-": stdin) whose entries end with sep. */
int entries_open(entries_t *e, const char *path, char sep);

/* The next entry, NUL-terminated in e's buffer (valid until the next call), or NULL. */
char *entries_next(entries_t *e, done_t *done, bool *cancelled, int *err);

void entries_close(entries_t *e);

#endif
