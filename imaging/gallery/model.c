#include "gallery/model.h"

#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *g_out_path(const g_site_t *site, const char *folder, const g_thumb_t *t, int i)
{
    char *p = NULL;
    const char *label = site->per_size ? site->opts->sizes[i].label : NULL;
    int n = asprintf(&p, "%s%s%s%s%s", label ? label : "", label ? "/" : "", folder,
                     folder[0] ? "/" : "", t->outs[i].file);
    return n < 0 ? NULL : p;
}

unsigned g_painted(const g_site_t *site)
{
    unsigned p = site->opts->placeholder;
    return p & PLACEHOLDER_THUMBHASH ? PLACEHOLDER_THUMBHASH : p & PLACEHOLDER_BLURHASH;
}

const char *g_painted_hash(const g_site_t *site, const g_thumb_t *t)
{
    unsigned kind = g_painted(site);
    return kind == PLACEHOLDER_THUMBHASH  ? t->thumbhash
           : kind == PLACEHOLDER_BLURHASH ? t->blurhash
                                          : "";
}

static long long area(const g_out_t *o)
{
    return (long long)o->w * o->h;
}

int g_smallest(const g_thumb_t *t)
{
    int best = 0;
    for (int i = 1; i < t->nouts; i++)
        if (area(&t->outs[i]) < area(&t->outs[best]))
            best = i;
    return best;
}

int g_largest(const g_thumb_t *t)
{
    int best = 0;
    for (int i = 1; i < t->nouts; i++)
        if (area(&t->outs[i]) > area(&t->outs[best]))
            best = i;
    return best;
}

int g_thumb_cmp(const void *a, const void *b)
{
    return strcmp(((const g_thumb_t *)a)->key, ((const g_thumb_t *)b)->key);
}

int g_problem_cmp(const void *a, const void *b)
{
    return strcmp(((const g_problem_t *)a)->src, ((const g_problem_t *)b)->src);
}

int g_sub_cmp(const void *a, const void *b)
{
    return strcmp(((const g_sub_t *)a)->name, ((const g_sub_t *)b)->name);
}

void g_thumb_free(void *p)
{
    g_thumb_t *t = p;
    if (t == NULL)
        return;
    for (int i = 0; i < t->nouts; i++)
        free(t->outs[i].file);
    free(t->src);
    free(t); /* key is outs[0].file */
}

void g_problem_free(void *p)
{
    g_problem_t *x = p;
    if (x != NULL)
        free(x->src), free(x->text), free(x);
}

void g_sub_free(void *p)
{
    g_sub_t *s = p;
    if (s != NULL)
        free(s->name), free(s->cover), free(s);
}

void g_put(void **tree, size_t *n, void *item, int (*cmp)(const void *, const void *),
           void (*release)(void *))
{
    void **slot = tsearch(item, tree, cmp);
    if (slot == NULL) { /* out of memory: the item is lost (the caller marks the gallery) */
        release(item);
        return;
    }
    if (*slot != item) {
        release(*slot);
        *slot = item;
    } else {
        (*n)++;
    }
}

bool g_del(void **tree, size_t *n, const void *probe, int (*cmp)(const void *, const void *),
           void (*release)(void *))
{
    void **slot = tfind(probe, tree, cmp);
    if (slot == NULL)
        return false;
    void *item = *slot;
    tdelete(probe, tree, cmp);
    release(item);
    (*n)--;
    return true;
}

typedef struct {
    void **v;
    size_t n;
} collect_t;

static void collect(const void *node, VISIT which, void *ctx)
{
    collect_t *c = ctx;
    if (which == postorder || which == leaf)
        c->v[c->n++] = *(void *const *)node;
}

void **g_items(void *tree, size_t n, bool *ok)
{
    *ok = true;
    if (n == 0)
        return NULL;
    collect_t c = {.v = malloc(n * sizeof(void *))};
    if (c.v == NULL) {
        *ok = false;
        return NULL;
    }
    twalk_r(tree, collect, &c);
    return c.v;
}

const char *g_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}
