/* s3_listing: the S3 store's cached listings (store/s3.c), in keys. The first question about a
 * folder lists it (delimiter "/") and keeps its names, for the few folders asked about last; a
 * listing that fails leaves the folder empty (its thumbnails are made again, and their PUTs
 * report the trouble). The identity records among the names (store/mirror.h) are indexed by the
 * name they end in, so that the one a source holds is found without knowing its identity.
 *
 * Threads: s3_listings_has and s3_listings_held are the lister thread's; s3_listings_wrote is a
 * writer's. The connection given is shared with the store's removals: its mutex is held around
 * each listing request. Error convention: out of memory answers as a listing without the name. */
#ifndef IMAGING_STORE_S3_LISTING_H
#define IMAGING_STORE_S3_LISTING_H

#include <pthread.h>
#include <stdbool.h>

#include "s3/s3.h"

typedef struct s3_listings s3_listings_t;

/* Listings of bucket through c (c_mu held around each request); both outlive them. NULL: out of
 * memory. */
s3_listings_t *s3_listings_new(s3_client_t *c, pthread_mutex_t *c_mu, const char *bucket);

/* Whether key's folder, as listed, holds key. */
bool s3_listings_has(s3_listings_t *l, const char *key);

/* The key of an identity record (of any verdict and identity) listed for the source whose failure
 * record's key is fail_key, malloc'd; NULL: none. */
char *s3_listings_held(s3_listings_t *l, const char *fail_key);

/* Notes that ident_key, an identity record, was just written and every other of its source's
 * removed: where its folder's listing is kept, the next s3_listings_held answers it. (Under
 * --watch a folder's listing stays while events come: without this, a source remade twice would
 * keep the record written between.) */
void s3_listings_wrote(s3_listings_t *l, const char *ident_key);

void s3_listings_free(s3_listings_t *l);

#endif
