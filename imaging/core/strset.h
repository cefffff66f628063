/* strset and hashset: sets of strings for --prune. A strset holds the strings (the cache's own
 * folders, which pruning never removes); a hashset only their 64-bit hashes (the names a listing
 * expects: 100,000 of them). One thread at a time.
 *
 * Error convention: strset_add returns 0 (added), 1 (there already), or -1 on ENOMEM (the set is
 * unchanged); hashset_add 0 or -1 on ENOMEM; the rest cannot fail. */
#ifndef IMAGING_STRSET_H
#define IMAGING_STRSET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"

typedef struct strset_slot {
    unsigned long long hash;
    char *key; /* a copy (in one of the set's blocks); NULL: empty */
} strset_slot_t;

typedef struct strset {
    strset_slot_t *slots;
    size_t cap, n; /* cap: a power of two, or 0 */
    arena_t keys;  /* where the copies live */
} strset_t;

/* A set of 64-bit hashes of strings: what --prune's expected names need, a quarter of the memory
 * and cache misses of a strset. Two strings can share a hash (about one chance in 10^9 for a
 * million names), so it answers "maybe there" or "surely not": fit for a question where a wrong
 * "maybe" only keeps a file. */
typedef struct hashset {
    unsigned long long *slots; /* 0: empty (a hash of 0 is stored as 1) */
    size_t cap, n;
} hashset_t;

void hashset_init(hashset_t *s);
/* Adds key's hash: 0, or -1 on ENOMEM. */
int hashset_add(hashset_t *s, const char *key);
/* False when key is surely not in the set. */
bool hashset_maybe(const hashset_t *s, const char *key);
void hashset_free(hashset_t *s);

/* An empty set (no allocation until the first add). */
void strset_init(strset_t *s);

/* Adds a copy of the first len bytes of key: 0, 1 when it was there already, -1 on ENOMEM. */
int strset_addn(strset_t *s, const char *key, size_t len);
int strset_add(strset_t *s, const char *key);

/* True when key is in the set. */
bool strset_has(const strset_t *s, const char *key);

/* Frees every copy and the table; the set is empty again. */
void strset_free(strset_t *s);

#endif
