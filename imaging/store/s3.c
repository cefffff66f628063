/* The S3 store: each thumbnail is one PUT of DST's prefix + its relative path, with the
 * Content-Type of its format; a PUT is atomic, so nothing partial is ever visible. Freshness comes
 * from listings (store/s3_listing.h), not a request per thumbnail: a rerun with nothing to do
 * costs one LIST per folder (per 1000 objects) and no other request.
 * Each PUT records its source's identity (store_ident's text, percent-encoded beyond printable
 * ASCII) as x-amz-meta-thumbgen-src, for any client to read with a HEAD. A listing carries no
 * metadata (and a HEAD per object would turn a no-op rerun's one LIST per 1000 objects into 1000
 * requests), so once a source's last thumbnail is PUT, one more PUT writes its identity record
 * beside its first (store/mirror.h, IDENT_PREFIX: the identity hashed into the name, the text
 * as its body): up to date means its thumbnails and the record of the source's identity now are
 * listed, alone beside the first and none beside the others, so an owner change at one name or
 * a source replaced by an older file is seen as in a folder (docs/DESIGN.md, "Identity and
 * order"). The records beside its outputs go before its first object is written
 * (s3_drop_idents, store/s3_ident.c); where a folder cannot be listed, nothing is written.
 * A source whose bytes failed to decode gets a failure record beside its first thumbnail
 * (store/mirror.h: one PUT of its reason, text/plain, with the same metadata), and one found not
 * to be an image a skip record, each followed by its identity record as a thumbnail is, judged
 * from the same listing by the same rule (the name tells the kind), so a rerun neither fetches it
 * nor asks anything more. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pipeline/fdio.h"
#include "s3/s3.h"
#include "store/mirror.h"
#include "store/s3_listing.h"
#include "store/s3_store.h" /* the store's state, shared with store/s3_ident.c */
#include "store/store.h"

/* Output i of t is listed, and beside it the identity record of t's source as it is now, alone;
 * beside any other output, none. */
static bool s3_fresh(store_t *base, const task_t *t, int i)
{
    s3store_t *s = (s3store_t *)base;
    if (!s3_listed(s, t->outs[i].dst))
        return false;
    if (i == 0)
        return s3_ident_listed(s, t, 0);
    return s3_none_beside(s, t->outs[i].dst);
}

/* The records beside t's first output, judged as its thumbnails are, from the listings of its
 * outputs' folders (kept, or listed now): no request beyond those (the name tells the kind). */
static int s3_verdict_before(store_t *base, task_t *t)
{
    s3store_t *s = (s3store_t *)base;
    bool failed = t->fail.dst && s3_listed(s, t->fail.dst);
    bool skipped = t->skip_dst && s3_listed(s, t->skip_dst);
    t->held = (failed ? RECORD_FAILED : 0) | (skipped ? RECORD_SKIPPED : 0);
    s3_idents_held(s, t);
    if (failed && s3_ident_listed(s, t, RECORD_FAILED))
        return RECORD_FAILED;
    return skipped && s3_ident_listed(s, t, RECORD_SKIPPED) ? RECORD_SKIPPED : 0;
}

static int s3_name(store_t *base, task_t *t, const thumb_opts_t *o, char *err, size_t errsz)
{
    return store_name_mirror(((s3store_t *)base)->dst, t, o, err, errsz);
}

/* Each writer thread's connection. */
static void *s3_thread_init(store_t *base)
{
    return s3_client_new(&((s3store_t *)base)->conf);
}

static int s3_store_put(store_t *base, void *local, const task_t *src, const char *path,
                        const void *buf, size_t len, char *err, size_t errsz)
{
    s3store_t *s = (s3store_t *)base;
    s3_client_t *writer = local;
    char *key = s3_key_of(s, path);
    if (key == NULL) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    /* The source's identity, as the folder store's xattr holds it, percent-encoded where a header
     * value could not hold a byte of its path (a HEAD reads it back; a rerun does not). */
    char id_text[PATH_MAX + 80], meta[3 * sizeof id_text];
    size_t n = src ? store_ident(src, id_text, sizeof id_text) : 0;
    char *m = meta;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id_text[i];
        if (c >= 0x20 && c < 0x7f && c != '%')
            *m++ = (char)c;
        else
            m += sprintf(m, "%%%02X", c);
    }
    *m = '\0';
    s3_err_t e;
    unsigned role = store_role(src, path), kind = role & (RECORD_FAILED | RECORD_SKIPPED);
    const char *type = kind ? "text/plain; charset=utf-8" : s3_content_type(key);
    int rc = role & (STORE_FIRST | kind) ? s3_drop_idents(s, writer, src, &e) : 0;
    if (rc == 0)
        rc = s3_put(writer, s->bucket, key, buf, len, type, src ? meta : NULL, &e);
    free(key);
    if (rc != 0) {
        snprintf(err, errsz, "%s", e.msg);
        errno = EIO; /* a bucket is never "full" (store.h) */
        return rc;
    }
    if (!(role & (STORE_LAST | kind)))
        return 0;
    /* A verdict's last object written: its identity record, which a rerun reads from the
     * listing (the verdict stands only once it is there), then the records of the other kinds
     * go, in one DeleteObjects (one that cannot be deleted matters only once this source's
     * thumbnails are gone, and is replaced if it fails then). */
    char *id = store_ident_record(src, (int)kind, s->dst_len),
         *idkey = id ? s3_key_of(s, id) : NULL;
    rc = idkey ? s3_put(writer, s->bucket, idkey, id_text, n, "text/plain; charset=utf-8", meta, &e)
               : (snprintf(e.msg, sizeof e.msg, "out of memory"), -1);
    if (rc != 0) { /* the object is there, but no verdict stands beside it: made again */
        snprintf(err, errsz, "cannot write its identity record %s: %s", id ? id : "", e.msg);
        errno = EIO;
    } else {
        s3_listings_wrote(s->listings, idkey);
        char *stale[2], *keys[2];
        size_t nstale = store_stale_records(src, path, true, stale), k = 0;
        for (size_t i = 0; i < nstale; i++)
            if ((keys[k] = s3_key_of(s, stale[i])) != NULL)
                k++;
        if (k > 0)
            s3_delete(writer, s->bucket, keys, k, NULL, NULL, &e);
        for (size_t i = 0; i < k; i++)
            free(keys[i]);
    }
    free(id);
    free(idkey);
    return rc;
}

/* A listing that looks for one key (ctx: found_t): found when it is listed. */
typedef struct {
    const char *key;
    bool found;
} found_t;

static bool exact(void *ctx, const s3_obj_t *o)
{
    found_t *f = ctx;
    f->found |= !o->is_prefix && strcmp(o->key, f->key) == 0;
    return !f->found;
}

/* Reads an object back (the gallery's state) through the calling thread's connection. */
static int s3_store_get(store_t *base, void *local, const char *path, char **buf, size_t *len,
                        char *err, size_t errsz)
{
    s3store_t *s = (s3store_t *)base;
    char *key = s3_key_of(s, path);
    if (buf == NULL) { /* only whether it is there: a listing of its key (no body comes) */
        found_t f = {.key = key};
        s3_err_t e = {.kind = S3E_NONE};
        int rc = key ? s3_list(local, s->bucket, key, false, 1, exact, &f, &e) : -1;
        if (rc != 0)
            snprintf(err, errsz, "%s", key ? e.msg : strerror(ENOMEM));
        free(key);
        return rc != 0 ? -1 : f.found ? 0 : 1;
    }
    *buf = NULL;
    int fd = key ? memfd_create("thumbgen-get", MFD_CLOEXEC) : -1;
    s3_err_t e = {.kind = S3E_NONE};
    int rc = fd < 0 ? (snprintf(e.msg, sizeof e.msg, "%s", strerror(key ? errno : ENOMEM)), -1)
                    : s3_get(local, s->bucket, key, fd, &e);
    free(key);
    int r = rc != 0 ? 0 : lseek(fd, 0, SEEK_SET) != 0 ? errno : fd_read_all(fd, buf, len);
    if (r != 0) {
        snprintf(e.msg, sizeof e.msg, "%s", strerror(r));
        rc = -1;
    }
    if (fd >= 0)
        close(fd);
    if (rc != 0 && e.kind == S3E_NOT_FOUND)
        return 1;
    if (rc != 0)
        snprintf(err, errsz, "%s", e.msg);
    return rc == 0 ? 0 : -1;
}

/* A scan in progress: the options, and the keys of SRC when it lies inside DST's bucket. */
typedef struct {
    s3store_t *s;
    const thumb_opts_t *o;
    char *src_bucket, *src_prefix; /* NULL: SRC is not in this bucket */
    store_entry_fn fn;
    void *ctx;
    bool stopped, oom;
} scan_t;

static bool scan_key(void *ctx, const s3_obj_t *obj)
{
    scan_t *sc = ctx;
    s3store_t *s = sc->s;
    const char *rel = obj->key + strlen(s->prefix);
    if (obj->is_prefix || strncmp(obj->key, s->prefix, strlen(s->prefix)) != 0)
        return true;
    if (sc->src_prefix != NULL && strncmp(obj->key, sc->src_prefix, strlen(sc->src_prefix)) == 0)
        return true; /* SRC's own objects are never thumbnails */
    char rec_rel[PATH_MAX];
    const char *base = strrchr(rel, '/');
    bool record = store_record_prefix(base ? base + 1 : rel) > 0;
    const char *src_rel = record ? store_mirror_record_rel(rel, sc->o, rec_rel, sizeof rec_rel)
                                 : store_mirror_rel(rel, sc->o);
    if (src_rel == NULL)
        return true;
    char *addr = NULL;
    if (asprintf(&addr, "%s/%s", s->dst, rel) < 0)
        return !(sc->oom = true);
    char with[PATH_MAX + 300];
    bool go =
        sc->fn(sc->ctx, &(store_entry_t){.addr = addr,
                                         .rel = src_rel,
                                         .gone = -1,
                                         .record = record,
                                         .with = store_ident_record_of(addr, with, sizeof with)});
    free(addr);
    sc->stopped = !go;
    return go;
}

static int s3_scan(store_t *base, const thumb_opts_t *o, const char *src, store_entry_fn fn,
                   void *ctx, char *err, size_t errsz)
{
    s3store_t *s = (s3store_t *)base;
    scan_t sc = {.s = s, .o = o, .fn = fn, .ctx = ctx};
    if (s3_parse_url(src, &sc.src_bucket, &sc.src_prefix) &&
        strcmp(sc.src_bucket, s->bucket) != 0) {
        free(sc.src_bucket);
        free(sc.src_prefix);
        sc.src_bucket = sc.src_prefix = NULL;
    }
    s3_err_t e;
    s3_client_t *c = s3_client_new(&s->conf); /* its own: it may run beside the lister thread */
    int rc = c ? s3_list(c, s->bucket, s->prefix, false, 0, scan_key, &sc, &e) : -1;
    if (c == NULL)
        snprintf(e.msg, sizeof e.msg, "out of memory");
    s3_client_free(c);
    if (rc != 0 || sc.stopped)
        snprintf(err, errsz, "cannot list %s: %s", s->dst,
                 sc.oom    ? "out of memory"
                 : rc != 0 ? e.msg
                           : "stopped");
    free(sc.src_bucket);
    free(sc.src_prefix);
    return rc != 0 || sc.stopped ? -1 : 0;
}

typedef struct {
    s3store_t *s;
    store_removed_fn fn;
    void *ctx;
} removing_t;

static void on_deleted(void *ctx, const char *key, const char *err)
{
    removing_t *r = ctx;
    char *addr = NULL;
    if (err == NULL)
        s3_listings_removed(r->s->listings, key);
    if (r->fn == NULL || asprintf(&addr, "%s/%s", r->s->dst, key + strlen(r->s->prefix)) < 0)
        return;
    r->fn(r->ctx, addr, err);
    free(addr);
}

/* DeleteObjects, S3_DELETE_MAX keys a request; a request that fails fails its keys. */
static void s3_remove(store_t *base, char *const *addrs, size_t n, store_removed_fn fn, void *ctx)
{
    s3store_t *s = (s3store_t *)base;
    char **keys = calloc(n < S3_DELETE_MAX ? n : S3_DELETE_MAX, sizeof *keys);
    removing_t r = {.s = s, .fn = fn, .ctx = ctx};
    for (size_t done = 0; done < n;) {
        size_t k = 0;
        for (; keys != NULL && k < S3_DELETE_MAX && done + k < n; k++)
            if ((keys[k] = s3_key_of(s, addrs[done + k])) == NULL)
                break;
        s3_err_t e;
        int rc = -1;
        if (k > 0) {
            pthread_mutex_lock(&s->lister_mu);
            rc = s3_delete(s->lister, s->bucket, keys, k, on_deleted, &r, &e);
            pthread_mutex_unlock(&s->lister_mu);
        }
        if (rc != 0) {
            size_t failed = k ? k : 1;
            for (size_t i = 0; fn != NULL && i < failed; i++)
                fn(ctx, addrs[done + i], k ? e.msg : "out of memory");
            k = failed;
        }
        for (size_t i = 0; keys != NULL && i < k; i++)
            free(keys[i]); /* k 0 made 1: keys[0] is the NULL that stopped the batch */
        done += k;
    }
    free(keys);
}

static void s3_thread_exit(store_t *base, void *local)
{
    (void)base;
    s3_client_free(local);
}

/* SRC is DST when it names the same bucket and prefix. */
static bool s3_same_place(store_t *base, const char *src)
{
    s3store_t *s = (s3store_t *)base;
    char *b = NULL, *p = NULL;
    bool same = s3_parse_url(src, &b, &p) && strcmp(b, s->bucket) == 0 && strcmp(p, s->prefix) == 0;
    free(b), free(p);
    return same;
}

static void s3_stats(store_t *base, uint64_t made, char *buf, size_t size)
{
    s3_conf_stats(&((s3store_t *)base)->conf, made, buf, size);
}

static void s3_close(store_t *base)
{
    s3store_t *s = (s3store_t *)base;
    s3_conf_free(&s->conf);
    s3_listings_free(s->listings);
    s3_client_free(s->lister);
    pthread_mutex_destroy(&s->lister_mu);
    free(s->bucket);
    free(s->prefix);
    free(s->dst);
    free(s);
}

store_t *store_s3_open(const char *dst, const store_cfg_t *cfg, char *err, size_t errsz)
{
    static const store_ops_t ops = {.name = s3_name,
                                    .fresh = s3_fresh,
                                    .verdict_before = s3_verdict_before,
                                    .thread_init = s3_thread_init,
                                    .put = s3_store_put,
                                    .get = s3_store_get,
                                    .thread_exit = s3_thread_exit,
                                    .scan = s3_scan,
                                    .remove = s3_remove,
                                    .same_place = s3_same_place,
                                    .stats = s3_stats,
                                    .close = s3_close};
    if (!s3_is_url(dst))
        return NULL; /* not this store's form */
    s3store_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&s->lister_mu, NULL);
    s->base =
        (store_t){.ops = &ops, .writers = cfg->writers ? cfg->writers : 1, .cut_by_done = true};
    s->dst_len = strlen(dst) + 1;
    s->dst = strdup(dst);
    s->lister = s->dst ? s3_open_place(&s->conf, cfg->retries, cfg->done, dst, &s->bucket,
                                       &s->prefix, err, errsz)
                       : NULL;
    s->listings = s->lister ? s3_listings_new(s->lister, &s->lister_mu, s->bucket) : NULL;
    if (s->dst == NULL || (s->lister != NULL && s->listings == NULL))
        snprintf(err, errsz, "out of memory");
    if (s->listings == NULL) {
        s3_close(&s->base);
        return NULL;
    }
    return &s->base;
}
