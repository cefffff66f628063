#include "core/strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *key, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    return h;
}

void strset_init(strset_t *s)
{
    *s = (strset_t){0};
}

/* The slot key (len bytes) is in, or the empty one where it would go. */
static size_t find(char *const *slots, size_t cap, const char *key, size_t len)
{
    size_t i = (size_t)hash(key, len) & (cap - 1);
    while (slots[i] != NULL && (strncmp(slots[i], key, len) != 0 || slots[i][len] != '\0'))
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(strset_t *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    char **slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i] != NULL)
            slots[find(slots, cap, s->slots[i], strlen(s->slots[i]))] = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

int strset_addn(strset_t *s, const char *key, size_t len)
{
    if ((s->n + 1) * 2 > s->cap && grow(s) != 0) /* at most half full */
        return -1;
    size_t i = find(s->slots, s->cap, key, len);
    if (s->slots[i] != NULL)
        return 1;
    if ((s->slots[i] = strndup(key, len)) == NULL)
        return -1;
    s->n++;
    return 0;
}

int strset_add(strset_t *s, const char *key)
{
    return strset_addn(s, key, strlen(key));
}

bool strset_has(const strset_t *s, const char *key)
{
    return s->cap > 0 && s->slots[find(s->slots, s->cap, key, strlen(key))] != NULL;
}

void strset_free(strset_t *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i]);
    free(s->slots);
    strset_init(s);
}
