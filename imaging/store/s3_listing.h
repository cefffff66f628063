/* s3_listing: the S3 store's cached listings (store/s3.c), in keys. The first question about a
 * folder lists it (delimiter "/") and keeps its names, for the few folders asked about last; a
 * listing that fails leaves the folder empty (its thumbnails are made again, and their PUTs
 * report the trouble). The identity records among the names (store/mirror.h) are indexed by the
 * output they stand beside, and kept true to what this process wrote and removed since
 * (s3_listings_wrote, s3_listings_removed): under --watch a folder's listing stays while events
 * come, and a record the listing showed may be gone, another written.
 *
 * Threads: s3_listings_has and s3_listings_held are the lister thread's (they may list);
 * s3_listings_idents, _wrote and _removed any thread's (they never list). The connection given
 * is shared with the store's removals: its mutex is held around each listing request. Error
 * convention: out of memory answers as a listing without the name. */
#ifndef IMAGING_STORE_S3_LISTING_H
#define IMAGING_STORE_S3_LISTING_H

#include <pthread.h>
#include <stdbool.h>

#include "s3/s3.h"

typedef struct s3_listings s3_listings_t;

/* Listings of bucket through c (c_mu held around each request); both outlive them. NULL: out of
 * memory. */
s3_listings_t *s3_listings_new(s3_client_t *c, pthread_mutex_t *c_mu, const char *bucket);

/* Whether key's folder, as listed, holds key; an identity record only where it is the only one
 * beside its output (two make the verdict unclear: made again, which leaves one). */
bool s3_listings_has(s3_listings_t *l, const char *key);

/* The key of an identity record (of any verdict and identity) listed beside the output whose key
 * is out_key, malloc'd; NULL: none. */
char *s3_listings_held(s3_listings_t *l, const char *out_key);

/* Copies (malloc'd) of the keys of at most max identity records beside out_key where its
 * folder's listing is kept, into keys; returns how many. */
size_t s3_listings_idents(s3_listings_t *l, const char *out_key, char **keys, size_t max);

/* Notes that the identity record ident_key was written, and every other beside its output
 * removed first. */
void s3_listings_wrote(s3_listings_t *l, const char *ident_key);

/* Notes that the identity record ident_key was removed. */
void s3_listings_removed(s3_listings_t *l, const char *ident_key);

void s3_listings_free(s3_listings_t *l);

#endif
