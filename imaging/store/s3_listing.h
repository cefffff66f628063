/* s3_listing: the S3 store's cached listings (store/s3.c), in keys. The first question about a
 * folder lists it (delimiter "/") and keeps its names, for the few folders asked about last. The
 * identity records among the names (store/mirror.h) are indexed by the output they stand beside,
 * and kept true to what this process wrote and removed since, also while the folder is being
 * listed again: under --watch a folder's listing stays while events come, and a record it showed
 * may be gone, another written.
 *
 * Threads: s3_listings_has, s3_listings_beside with list and s3_listings_none_beside are the
 * lister thread's (they may list); s3_listings_beside without list, _wrote and _removed any
 * thread's (they never list). The connection given is shared with the store's removals: its mutex
 * is held around each listing request. A folder whose listing failed, or could not be kept whole
 * (out of memory), is known to hold nothing and is listed again at the next question. Error
 * convention: answers are questions; s3_listings_beside returns -1 for such a folder. */
#ifndef IMAGING_STORE_S3_LISTING_H
#define IMAGING_STORE_S3_LISTING_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "s3/s3.h"

typedef struct s3_listings s3_listings_t;

/* Listings of bucket through c (c_mu held around each request); both outlive them. NULL: out of
 * memory. */
s3_listings_t *s3_listings_new(s3_client_t *c, pthread_mutex_t *c_mu, const char *bucket);

/* Whether key's folder, as listed, holds key; an identity record only where it is the only one
 * beside its output (two leave the verdict unclear: made again). A folder whose listing failed
 * holds nothing. */
bool s3_listings_has(s3_listings_t *l, const char *key);

/* Whether no identity record stands beside the output whose key is out_key (false where its
 * folder's listing failed). */
bool s3_listings_none_beside(s3_listings_t *l, const char *out_key);

/* Appends to *keys (*n of them; malloc'd, as each key) the keys of the identity records beside
 * out_key: with list, as its folder's listing says (listing it if needed), else only where that
 * listing is kept. 0, or -1 when the listing failed (or memory ran out). */
int s3_listings_beside(s3_listings_t *l, const char *out_key, bool list, char ***keys, size_t *n);

/* Notes that the identity record ident_key was written. */
void s3_listings_wrote(s3_listings_t *l, const char *ident_key);

/* Notes that the identity record ident_key was removed. */
void s3_listings_removed(s3_listings_t *l, const char *ident_key);

void s3_listings_free(s3_listings_t *l);

#endif
