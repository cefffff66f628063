/* The null store, DST "null:": names outputs as a mirrored store below "null:" would, finds none
 * up to date, and discards every thumbnail, counting them and their bytes (--stats). A dry
 * benchmark of everything but the write: listing, decoding, encoding, the pipeline. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mirror.h"
#include "store/store.h"

typedef struct {
    store_t base;
    atomic_uint_fast64_t files, bytes;
} null_store_t;

static int null_name(store_t *s, task_t *t, const thumb_opts_t *o, char *err, size_t errsz)
{
    (void)s;
    int rc = store_name_mirror("null:", t, o, err, errsz);
    free(t->fail.dst); /* it keeps no records */
    free(t->skip_dst);
    t->fail.dst = t->skip_dst = NULL;
    return rc;
}

static bool null_fresh(store_t *s, const task_t *t, int i)
{
    (void)s, (void)t, (void)i;
    return false;
}

static int null_put(store_t *base, void *local, const task_t *src, const char *path,
                    const void *buf, size_t len, char *err, size_t errsz)
{
    (void)local, (void)src, (void)path, (void)buf, (void)err, (void)errsz;
    null_store_t *s = (null_store_t *)base;
    atomic_fetch_add(&s->files, 1);
    atomic_fetch_add(&s->bytes, len);
    return 0;
}

static void null_stats(store_t *base, uint64_t made, char *buf, size_t size)
{
    (void)made;
    null_store_t *s = (null_store_t *)base;
    snprintf(buf, size, "null store: %llu thumbnails, %llu bytes, discarded",
             (unsigned long long)atomic_load(&s->files),
             (unsigned long long)atomic_load(&s->bytes));
}

static void null_close(store_t *s)
{
    free(s);
}

store_t *store_null_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz)
{
    (void)cfg;
    static const store_ops_t ops = {.name = null_name,
                                    .fresh = null_fresh,
                                    .put = null_put,
                                    .stats = null_stats,
                                    .close = null_close};
    if (strcmp(dst, "null:") != 0)
        return NULL; /* not this store's form */
    null_store_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        snprintf(err, errsz, "out of memory");
    else
        s->base = (store_t){.ops = &ops, .writers = 1};
    return s ? &s->base : NULL;
}
