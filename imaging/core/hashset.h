/* hashset: a set of 64-bit hashes of strings, for the names a --prune listing expects (100,000
 * of them) and the files a watched SRC holds: a quarter of the memory and cache misses of a set
 * of the strings. Two strings can share a hash (about one chance in 10^9 for a million names), so
 * it answers "maybe there" or "surely not": fit for a question where a wrong "maybe" only keeps a
 * file, or a count one off. One thread at a time.
 *
 * Error convention: hashset_add returns 0, or -1 on ENOMEM (the set is unchanged); the rest
 * cannot fail. */
#ifndef IMAGING_HASHSET_H
#define IMAGING_HASHSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* FNV-1a 64 of the n bytes at p, going on from h (FNV1A_START for a fresh hash): the one hash of
 * the set, the shards, the order's buckets, long records' names and the identity's nanoseconds. */
#define FNV1A_START 14695981039346656037ull
uint64_t fnv1a(uint64_t h, const void *p, size_t n);

typedef struct hashset {
    unsigned long long *slots; /* 0: empty (a hash of 0 is stored as 1) */
    size_t cap, n;             /* cap: a power of two, or 0 */
} hashset_t;

/* An empty set (no allocation until the first add). */
void hashset_init(hashset_t *s);

/* Adds key's hash: 0, or -1 on ENOMEM. */
int hashset_add(hashset_t *s, const char *key);

/* Removes key's hash: true when it was there. (Two keys sharing a hash are one entry: removing
 * either removes both.) */
bool hashset_remove(hashset_t *s, const char *key);

/* False when key is surely not in the set. */
bool hashset_maybe(const hashset_t *s, const char *key);

/* Frees the table; the set is empty again. */
void hashset_free(hashset_t *s);

#endif
