/* s3_store: the S3 store's state (store/s3.c), shared with the file that keeps its identity
 * records (store/s3_ident.c, docs/DESIGN.md "Identity and order"). Private to the store room.
 * Threads as store.h says; error convention: answers are questions (false when they cannot tell),
 * s3_drop_idents returns 0 or -1 with the reason in e. */
#ifndef IMAGING_STORE_S3_STORE_H
#define IMAGING_STORE_S3_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/task.h"
#include "s3/s3.h"
#include "store/s3_listing.h"
#include "store/store.h"

typedef struct {
    store_t base;
    s3_conf_t conf; /* its own, from the environment */
    char *bucket, *prefix;
    char *dst;      /* DST as output paths start */
    size_t dst_len; /* output paths start with DST and a slash: this many bytes */
    /* The lister thread's connection (the cached listings), which remove shares: under --watch
     * the gallery's thread removes pages beside the lister thread's pruning; lister_mu makes
     * them take turns. */
    s3_client_t *lister;
    pthread_mutex_t lister_mu;
    s3_listings_t *listings;
} s3store_t;

/* The key of an output path (an address below DST), malloc'd; NULL: out of memory. */
char *s3_key_of(const s3store_t *s, const char *path);

/* Whether the listing of path's folder holds it (the lister thread). */
bool s3_listed(s3store_t *s, const char *path);

/* Whether the listing beside t's first output holds its identity record for verdict and its
 * identity now, and no other (the lister thread). */
bool s3_ident_listed(s3store_t *s, const task_t *t, int verdict);

/* Whether no identity record stands beside the output at path (the lister thread). */
bool s3_none_beside(s3store_t *s, const char *path);

/* The identity records listed beside each of t's outputs, into t->idents (t->idents_unknown where
 * a listing failed; the lister thread, from verdict_before). */
void s3_idents_held(s3store_t *s, task_t *t);

/* Removes the identity records beside t's outputs before a new verdict's first object is written
 * (a writer, through its connection c): those the lister saw (t->idents) and any this process
 * has written or seen since where a folder's listing is kept. A record must never stand beside
 * outputs made from another identity, so one that cannot be removed, or a folder whose listing
 * failed, fails the write. 0, or -1 with e. */
int s3_drop_idents(s3store_t *s, s3_client_t *c, const task_t *t, s3_err_t *e);

#endif
