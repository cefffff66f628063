/* strset: a set of strings (open addressing, FNV-1a), for the names a run expects to find in its
 * store (--prune) and the folders that hold them. One thread at a time.
 *
 * Error convention: strset_add returns 0 (added), 1 (there already), or -1 on ENOMEM (the set is
 * unchanged); the rest cannot fail. */
#ifndef IMAGING_STRSET_H
#define IMAGING_STRSET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strset {
    char **slots;  /* malloc'd copies; NULL: empty */
    size_t cap, n; /* cap: a power of two, or 0 */
} strset_t;

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
