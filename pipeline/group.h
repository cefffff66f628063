/* group: run tasks in parallel, optionally at most `limit` at once; the first task to fail fires
 * the group's done so the others can stop early, and group_wait returns that first error. This is
 * the seeds' ProcessTasksInParallel, or Go's errgroup with SetLimit.
 *
 * One thread per task, joined by group_go (once finished, while it waits for a free slot) or by
 * group_wait. The group's owner calls group_wait exactly once, then group_free.
 *
 * Error convention: group_new returns NULL on ENOMEM; group_go returns 0, -1 (cancelled) or an
 * errno value; group_wait returns the first task's nonzero result. */
#ifndef PIPELINE_GROUP_H
#define PIPELINE_GROUP_H

#include <stddef.h>

#include "done.h"

typedef struct group group_t;

/* A task: returns 0 on success, anything else is an error. `done` fires when the group is cancelled
 * (another task failed): a well-behaved task passes it to its channel operations and returns. */
typedef int (*group_task_fn)(void *arg, done_t *done);

/* A new group; limit 0 means no limit. NULL on ENOMEM. */
group_t *group_new(size_t limit);

/* Starts fn(arg) in a new thread, first waiting while `limit` tasks are running. Returns 0 when
 * started, -1 when the group was cancelled before it could start (the task is not run), and the
 * pthread_create error when no thread could be had (recorded as the group's error if first). */
int group_go(group_t *g, group_task_fn fn, void *arg);

/* Joins every task and returns the first error (0 if none failed). */
int group_wait(group_t *g);

/* Frees a group after group_wait. */
void group_free(group_t *g);

#endif
