/* arena: many small strings allocated from a few large blocks and freed all at once, for the
 * sets of names --prune holds (100,000 of them cost a few dozen mallocs, not 100,000). One thread
 * at a time. And grow, for every array that grows one element at a time. Error convention:
 * arena_alloc returns NULL, grow false, on ENOMEM. */
#ifndef IMAGING_ARENA_H
#define IMAGING_ARENA_H

#include <stdbool.h>
#include <stddef.h>

/* Room for element n of the array *v (v: the address of its pointer; *cap elements of size bytes
 * allocated): when it is full, doubles it (from 16 elements). false on ENOMEM, *v and *cap as they
 * were. */
bool grow(void *v, size_t n, size_t *cap, size_t size);

/* Zeroed, an empty arena. */
typedef struct arena {
    char *block; /* the current block; each starts with a pointer to the one before */
    size_t used, room;
} arena_t;

/* n bytes (unaligned: for strings), valid until arena_free. NULL on ENOMEM. */
char *arena_alloc(arena_t *a, size_t n);

/* Frees every block; the arena is empty again. */
void arena_free(arena_t *a);

#endif
