/* saver: writes thumbnails atomically and only beneath DST. Every folder and file below DST is
 * reached relative to a descriptor of DST, never following a symbolic link found inside it
 * (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS where the kernel has it, else openat with
 * O_NOFOLLOW one component at a time); DST itself may be a symlink. A symlink planted in DST is a
 * reported failure and nothing is written through it. Each output is written to a temporary file
 * in its own folder (".thumbgen-XXXXXX", hidden) and renamed into place, so a thumbnail under its
 * final name is always complete. The one temporary file being written is registered so that
 * saver_emergency_cleanup (a second Ctrl-C) can remove it before exiting.
 *
 * Error convention: functions return 0 or an errno value (ELOOP: a symlink inside DST). */
#ifndef IMAGING_SAVER_H
#define IMAGING_SAVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "report.h"
#include "task.h"

typedef struct saver {
    reporter_t *rep;
    bool fsync;     /* fsync each file before the rename (durable across power loss) */
    mode_t mode;    /* 0666 & ~umask, as an ordinary file would get */
    int root;       /* DST, opened once (following DST itself if it is a symlink) */
    size_t prefix;  /* output paths start with DST and a slash: this many bytes */
    char *last_dir; /* the folder (relative to DST) whose descriptor is cached */
    int last_fd;
} saver_t;

/* Opens DST for writing beneath it. Returns 0 or an errno value. */
int saver_init(saver_t *s, reporter_t *rep, bool fsync, const char *dst);
void saver_destroy(saver_t *s);

/* Writes buf atomically to path, which must lie beneath the saver's DST. */
int saver_write(saver_t *s, const char *path, const void *buf, size_t len);

/* The saver stage's sink function: ctx is a saver_t, item a task_t *. Writes a made task's
 * outputs, reports the task, frees it. */
void saver_sink(void *ctx, void *item);

/* Removes the temporary file being written, if any, and keeps the registry locked so no other can
 * appear: for the signal thread, just before _exit. */
void saver_emergency_cleanup(void *unused);

/* Creates dir and its missing parents (like mkdir -p), following symlinks: for DST itself, which
 * the user named. Returns 0 or an errno value. */
int make_dirs(const char *dir);

#endif
