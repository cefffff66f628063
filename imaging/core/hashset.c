#include "core/hashset.h"

#include <stdlib.h>
#include <string.h>

uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    for (const unsigned char *b = p; n-- > 0; b++)
        h = (h ^ *b) * 1099511628211ull;
    return h;
}

void hashset_init(hashset_t *s)
{
    *s = (hashset_t){0};
}

static uint64_t key_hash(const char *key)
{
    uint64_t h = fnv1a(FNV1A_START, key, strlen(key));
    h = (h ^ (h >> 29)) * 0x9E3779B97F4A7C15ull; /* spread the bits the table index uses */
    return h ? h : 1;
}

static size_t hfind(const unsigned long long *slots, size_t cap, uint64_t h)
{
    size_t i = (size_t)(h >> 32) & (cap - 1);
    while (slots[i] != 0 && slots[i] != h)
        i = (i + 1) & (cap - 1);
    return i;
}

int hashset_add(hashset_t *s, const char *key)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        unsigned long long *slots = calloc(cap, sizeof *slots);
        if (slots == NULL)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i] != 0)
                slots[hfind(slots, cap, s->slots[i])] = s->slots[i];
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    uint64_t h = key_hash(key);
    size_t i = hfind(s->slots, s->cap, h);
    if (s->slots[i] == 0) {
        s->slots[i] = h;
        s->n++;
    }
    return 0;
}

bool hashset_remove(hashset_t *s, const char *key)
{
    if (s->cap == 0)
        return false;
    size_t mask = s->cap - 1, i = hfind(s->slots, s->cap, key_hash(key));
    if (s->slots[i] == 0)
        return false;
    /* Linear probing keeps no tombstones: each later entry of the run moves up into the hole
     * unless that would put it before its home slot. */
    for (size_t j = (i + 1) & mask; s->slots[j] != 0; j = (j + 1) & mask) {
        size_t home = (size_t)(s->slots[j] >> 32) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            s->slots[i] = s->slots[j];
            i = j;
        }
    }
    s->slots[i] = 0;
    s->n--;
    return true;
}

bool hashset_maybe(const hashset_t *s, const char *key)
{
    return s->cap > 0 && s->slots[hfind(s->slots, s->cap, key_hash(key))] != 0;
}

void hashset_free(hashset_t *s)
{
    free(s->slots);
    hashset_init(s);
}
