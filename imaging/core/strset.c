#include "core/strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (64 * 1024 - 64) /* bytes of keys per block */

static uint64_t hash(const char *key, size_t len)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a, then mixed so the low bits spread */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

void strset_init(strset_t *s)
{
    *s = (strset_t){0};
}

/* The slot key (len bytes, hash h) is in, or the empty one where it would go. */
static size_t find(const strset_slot_t *slots, size_t cap, uint64_t h, const char *key, size_t len)
{
    size_t i = (size_t)h & (cap - 1);
    while (slots[i].key != NULL && (slots[i].hash != h || strncmp(slots[i].key, key, len) != 0 ||
                                    slots[i].key[len] != '\0'))
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(strset_t *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    strset_slot_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        const strset_slot_t *o = &s->slots[i];
        if (o->key != NULL) {
            size_t j = (size_t)o->hash & (cap - 1);
            while (slots[j].key != NULL)
                j = (j + 1) & (cap - 1);
            slots[j] = *o;
        }
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

int strset_addn(strset_t *s, const char *key, size_t len)
{
    if ((s->n + 1) * 2 > s->cap && grow(s) != 0) /* at most half full */
        return -1;
    uint64_t h = hash(key, len);
    size_t i = find(s->slots, s->cap, h, key, len);
    if (s->slots[i].key != NULL)
        return 1;
    if (s->used + len + 1 > s->room) {
        size_t room = len + 1 > BLOCK ? len + 1 : BLOCK;
        char *b = malloc(sizeof(char *) + room);
        if (b == NULL)
            return -1;
        memcpy(b, &s->block, sizeof(char *)); /* the chain, for strset_free */
        s->block = b;
        s->used = sizeof(char *);
        s->room = sizeof(char *) + room;
    }
    char *copy = s->block + s->used;
    s->used += len + 1;
    memcpy(copy, key, len);
    copy[len] = '\0';
    s->slots[i] = (strset_slot_t){h, copy};
    s->n++;
    return 0;
}

int strset_add(strset_t *s, const char *key)
{
    return strset_addn(s, key, strlen(key));
}

const char *strset_find(const strset_t *s, const char *key, size_t len)
{
    if (s->cap == 0)
        return NULL;
    return s->slots[find(s->slots, s->cap, hash(key, len), key, len)].key;
}

bool strset_has(const strset_t *s, const char *key)
{
    if (s->cap == 0)
        return false;
    size_t len = strlen(key);
    return s->slots[find(s->slots, s->cap, hash(key, len), key, len)].key != NULL;
}

void strset_free(strset_t *s)
{
    for (char *b = s->block, *prev; b != NULL; b = prev) {
        memcpy(&prev, b, sizeof prev);
        free(b);
    }
    free(s->slots);
    strset_init(s);
}
