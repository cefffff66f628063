#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK (64 * 1024 - 64) /* bytes per block */

char *arena_alloc(arena_t *a, size_t n)
{
    if (a->used + n > a->room) {
        size_t room = n > BLOCK ? n : BLOCK;
        char *b = malloc(sizeof(char *) + room);
        if (b == NULL)
            return NULL;
        memcpy(b, &a->block, sizeof(char *)); /* the chain, for arena_free */
        a->block = b;
        a->used = sizeof(char *);
        a->room = sizeof(char *) + room;
    }
    char *p = a->block + a->used;
    a->used += n;
    return p;
}

void arena_free(arena_t *a)
{
    for (char *b = a->block, *prev; b != NULL; b = prev) {
        memcpy(&prev, b, sizeof prev);
        free(b);
    }
    *a = (arena_t){0};
}

bool grow(void *v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return true;
    void *old, *w;
    memcpy(&old, v, sizeof old); /* v is some T **: its pointer's bytes, read as a void * */
    size_t c = *cap ? *cap * 2 : 16;
    if ((w = realloc(old, c * size)) == NULL)
        return false;
    memcpy(v, &w, sizeof w);
    *cap = c;
    return true;
}
