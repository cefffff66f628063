/* saver: writes thumbnails atomically. Each output is written to a temporary file in its own
 * folder (".thumbgen-XXXXXX", hidden) and renamed into place, so a thumbnail under its final name
 * is always complete. Folders are created as needed. The one temporary file being written is
 * registered so that saver_emergency_cleanup (a second Ctrl-C) can remove it before exiting. */
#ifndef IMAGING_SAVER_H
#define IMAGING_SAVER_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "report.h"
#include "task.h"

typedef struct saver {
    reporter_t *rep;
    bool fsync;              /* fsync each file before the rename (durable across power loss) */
    struct timespec started; /* outputs newer than this were written by this run */
    mode_t mode;             /* 0666 & ~umask, as an ordinary file would get */
    char *last_dir;          /* the last folder known to exist, to skip mkdir calls */
} saver_t;

void saver_init(saver_t *s, reporter_t *rep, bool fsync);
void saver_destroy(saver_t *s);

/* Writes buf to path atomically. Returns 0, or an errno value (EEXIST: an output of the same name
 * was already written by this run, from another source). */
int saver_write(saver_t *s, const char *path, const void *buf, size_t len);

/* The saver stage's sink function: ctx is a saver_t, item a task_t *. Writes a made task's
 * outputs, reports the task, frees it. */
void saver_sink(void *ctx, void *item);

/* Removes the temporary file being written, if any, and keeps the registry locked so no other can
 * appear: for the signal thread, just before _exit. */
void saver_emergency_cleanup(void *unused);

/* Creates dir and its missing parents (like mkdir -p). Returns 0 or an errno value. */
int make_dirs(const char *dir);

#endif
