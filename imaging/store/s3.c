/* The S3 store: each thumbnail is one PUT of DST's prefix + its relative path, with the
 * Content-Type of its format; a PUT is atomic, so nothing partial is ever visible. Freshness comes
 * from listings, not a request per thumbnail: the first question about a folder lists that folder
 * (delimiter "/") and keeps its names and Last-Modified times, for the few folders asked about
 * last. S3 keeps times to the second, so an object is up to date when its Last-Modified is not
 * before its source's modification time truncated to the second. A rerun with nothing to do costs
 * one LIST per folder (per 1000 objects) and no PUT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define CACHED_FOLDERS 4

typedef struct {
    char *name; /* relative to its folder */
    time_t mtime;
} entry_t;

typedef struct {
    char *dir; /* the key prefix listed ("" or ending in '/'); NULL: slot unused */
    entry_t *v;
    size_t n, cap;
    unsigned long used; /* for least-recently-used eviction */
} folder_t;

typedef struct {
    store_t base;
    s3_conf_t *conf;
    char *bucket, *prefix;
    char *dst;      /* DST as output paths start */
    size_t dst_len; /* output paths start with DST and a slash: this many bytes */
    s3_client_t *lister;
    folder_t cache[CACHED_FOLDERS];
    unsigned long tick;
} s3store_t;

/* The key of an output path, malloc'd. */
static char *key_of(const s3store_t *s, const char *path)
{
    const char *rel = strlen(path) > s->dst_len ? path + s->dst_len : "";
    char *key = malloc(strlen(s->prefix) + strlen(rel) + 1);
    if (key != NULL)
        sprintf(key, "%s%s", s->prefix, rel);
    return key;
}

static bool collect(void *ctx, const s3_obj_t *o)
{
    folder_t *f = ctx;
    if (o->is_prefix)
        return true;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        entry_t *v = realloc(f->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        f->v = v;
        f->cap = cap;
    }
    char *name = strdup(o->key + strlen(f->dir));
    if (name == NULL)
        return false;
    f->v[f->n++] = (entry_t){name, o->mtime.tv_sec};
    return true;
}

static void folder_clear(folder_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].name);
    free(f->v);
    free(f->dir);
    memset(f, 0, sizeof *f);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const entry_t *)a)->name, ((const entry_t *)b)->name);
}

/* The cached listing of folder dir (n bytes of key), listing it if needed. A listing that fails
 * leaves the folder empty: its thumbnails are made again, and their PUTs report the trouble. */
static folder_t *folder(s3store_t *s, const char *key, size_t n)
{
    folder_t *lru = &s->cache[0];
    for (size_t i = 0; i < CACHED_FOLDERS; i++) {
        folder_t *f = &s->cache[i];
        if (f->dir != NULL && strlen(f->dir) == n && memcmp(f->dir, key, n) == 0) {
            f->used = ++s->tick;
            return f;
        }
        if (f->used < lru->used)
            lru = f;
    }
    folder_clear(lru);
    lru->dir = strndup(key, n);
    lru->used = ++s->tick;
    s3_err_t e;
    if (lru->dir != NULL &&
        s3_list(s->lister, s->bucket, lru->dir, true, 0, collect, lru, &e) != 0) {
        for (size_t i = 0; i < lru->n; i++)
            free(lru->v[i].name);
        lru->n = 0;
    }
    if (lru->n > 1)
        qsort(lru->v, lru->n, sizeof *lru->v, by_name);
    return lru;
}

static bool s3_fresh(store_t *base, const task_t *t, int i)
{
    s3store_t *s = (s3store_t *)base;
    char *key = key_of(s, t->outs[i].dst);
    if (key == NULL)
        return false;
    const char *slash = strrchr(key, '/');
    size_t n = slash ? (size_t)(slash - key) + 1 : 0;
    folder_t *f = folder(s, key, n);
    entry_t want = {key + n, 0};
    const entry_t *hit = f->n ? bsearch(&want, f->v, f->n, sizeof *f->v, by_name) : NULL;
    free(key);
    return hit != NULL && hit->mtime >= t->mtime.tv_sec;
}

static int s3_name(store_t *base, task_t *t, const thumb_opts_t *o, char *err, size_t errsz)
{
    return store_name_mirror(((s3store_t *)base)->dst, t, o, err, errsz);
}

/* Each writer thread's connection. */
static void *s3_thread_init(store_t *base)
{
    return s3_client_new(((s3store_t *)base)->conf);
}

static int s3_store_put(store_t *base, void *local, const char *path, const void *buf, size_t len,
                        char *err, size_t errsz)
{
    s3store_t *s = (s3store_t *)base;
    s3_client_t *writer = local;
    char *key = key_of(s, path);
    if (key == NULL) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    s3_err_t e;
    int rc = s3_put(writer, s->bucket, key, buf, len, s3_content_type(key), &e);
    free(key);
    if (rc != 0)
        snprintf(err, errsz, "%s", e.msg);
    return rc;
}

static void s3_thread_exit(store_t *base, void *local)
{
    (void)base;
    s3_client_free(local);
}

static void s3_close(store_t *base)
{
    s3store_t *s = (s3store_t *)base;
    for (size_t i = 0; i < CACHED_FOLDERS; i++)
        folder_clear(&s->cache[i]);
    s3_client_free(s->lister);
    free(s->bucket);
    free(s->prefix);
    free(s->dst);
    free(s);
}

store_t *store_s3_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz)
{
    static const store_ops_t ops = {.name = s3_name,
                                    .fresh = s3_fresh,
                                    .thread_init = s3_thread_init,
                                    .put = s3_store_put,
                                    .thread_exit = s3_thread_exit,
                                    .close = s3_close};
    s3store_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    s->base = (store_t){.ops = &ops, .writers = cfg->writers ? cfg->writers : 1};
    s->conf = cfg->s3;
    s->dst_len = strlen(dst) + 1;
    s->dst = strdup(dst);
    if (s->dst == NULL) {
        snprintf(err, errsz, "out of memory");
        s3_close(&s->base);
        return NULL;
    }
    s->lister = s3_open_place(s->conf, dst, &s->bucket, &s->prefix, err, errsz);
    if (s->lister == NULL) {
        s3_close(&s->base);
        return NULL;
    }
    return &s->base;
}
