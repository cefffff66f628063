/* order: results are ordered per source (docs/DESIGN.md, "Identity and order"). The lister
 * numbers every job it emits for a source (order_begin); a newer job for the same source, or the
 * source's removal (order_gone_begin), supersedes each older one still in flight. A writer asks
 * order_claim before it writes a task's outputs: the claim waits while another writer (or a
 * removal) is at work on the same source, then grants the write only to the newest job whose
 * source is still what its decoder read (the open descriptor's identity against a fresh stat of
 * the path). So the last thing done to a source's outputs is always for its newest state: a
 * slower, older result is dropped, never left last, and no result lands after its source's
 * removal.
 *
 * Threads: order_begin and order_gone_* are the lister's; order_claim and order_done the
 * writers'. Every call takes the table's mutex; entries live while a job or a removal of their
 * source is in flight. Error convention: order_new returns NULL on ENOMEM; order_begin returns
 * false on ENOMEM (the task then goes unordered: its claim checks its identity only). A NULL
 * table orders nothing (order_claim still checks the identity). */
#ifndef IMAGING_ORDER_H
#define IMAGING_ORDER_H

#include <stdbool.h>

#include "core/task.h"

typedef struct order order_t;

order_t *order_new(void);

/* Frees the table and every entry left (jobs dropped by a cancelled run never came back). */
void order_free(order_t *o);

/* The lister is about to emit t: t becomes its source's newest job (t->gen). */
bool order_begin(order_t *o, task_t *t);

/* A writer is about to write t's outputs (or its failure entry). Waits while anything else is
 * being done to t's source's outputs; then true when t may write. False when it must not: t is
 * then settled as skipped with its reason ("superseded": a newer job was emitted; "gone": the
 * source no longer exists; "changed": the source is no longer what its decoder read), its
 * buffers left for the caller to free. Either way order_done(o, t) must follow. */
bool order_claim(order_t *o, task_t *t);

/* The writer is done with t (written, dropped or failed). */
void order_done(order_t *o, const task_t *t);

/* The lister found src (a path, as tasks name it) deleted or moved away: every job in flight for
 * it is superseded, and once no writer is at work on it the caller may remove its outputs; then
 * order_gone_end. */
void order_gone_begin(order_t *o, const char *src);
void order_gone_end(order_t *o, const char *src);

#endif
