#include "store/s3_listing.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "store/mirror.h"

#define CACHED_FOLDERS 4

/* What a writer or a removal noted while its folder was being listed, replayed after. */
typedef struct {
    char *name;
    bool wrote; /* else removed */
} note_t;

typedef struct {
    /* The key prefix listed ("" or ending in '/'); NULL: slot unused. Set and cleared under mu
     * (writers look for it), read by the lister thread without. */
    char *dir;
    char **v; /* its names, sorted (the lister thread's alone) */
    size_t n, cap;
    bool failed; /* its listing failed: nothing is known of it (the lister thread's) */
    /* Under mu: the identity records' names, copies, by ident_tail, then name; and, while the
     * folder is being listed (listing), the notes to replay once it has been. */
    char **ids;
    size_t nids, idcap;
    bool listing;
    note_t *notes;
    size_t nnotes, notecap;
    unsigned long used; /* for least-recently-used eviction */
} folder_t;

struct s3_listings {
    s3_client_t *c;
    pthread_mutex_t *c_mu;
    const char *bucket;
    pthread_mutex_t mu;
    folder_t f[CACHED_FOLDERS];
    unsigned long tick;
};

s3_listings_t *s3_listings_new(s3_client_t *c, pthread_mutex_t *c_mu, const char *bucket)
{
    s3_listings_t *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    *l = (s3_listings_t){.c = c, .c_mu = c_mu, .bucket = bucket};
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

static void names_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void folder_clear(folder_t *f)
{
    names_free(f->v, f->n);
    names_free(f->ids, f->nids);
    for (size_t i = 0; i < f->nnotes; i++)
        free(f->notes[i].name);
    free(f->notes);
    free(f->dir);
    memset(f, 0, sizeof *f);
}

void s3_listings_free(s3_listings_t *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < CACHED_FOLDERS; i++)
        folder_clear(&l->f[i]);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* The name an identity record's ends in (its output's); else NULL. */
static const char *ident_tail(const char *name)
{
    size_t np =
        strncmp(name, IDENT_PREFIX, strlen(IDENT_PREFIX)) == 0 ? store_record_prefix(name) : 0;
    return np > 0 ? name + np : NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_tail(const void *a, const void *b)
{
    int c = strcmp(ident_tail(*(char *const *)a), ident_tail(*(char *const *)b));
    return c != 0 ? c : by_name(a, b);
}

/* Where tail's identity records start in f->ids (mu held). */
static size_t first_of(const folder_t *f, const char *tail)
{
    size_t lo = 0, hi = f->nids;
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        if (strcmp(ident_tail(f->ids[m]), tail) < 0)
            lo = m + 1;
        else
            hi = m;
    }
    return lo;
}

typedef struct {
    folder_t *f;
    size_t skip; /* the folder's key prefix, this many bytes */
    bool oom;    /* a name could not be kept: the listing is not whole */
} collecting_t;

static bool collect(void *ctx, const s3_obj_t *o)
{
    collecting_t *c = ctx;
    folder_t *f = c->f;
    if (o->is_prefix)
        return true;
    char *name = grow(&f->v, f->n, &f->cap, sizeof *f->v) ? strdup(o->key + c->skip) : NULL;
    if (name == NULL)
        return c->oom = true, false;
    f->v[f->n++] = name;
    return true;
}

/* Copies f's identity records into f->ids, by tail (mu held). false: out of memory (some are
 * missing). */
static bool index_idents(folder_t *f)
{
    bool whole = true;
    for (size_t i = 0; i < f->n; i++) {
        if (ident_tail(f->v[i]) == NULL)
            continue;
        char *copy = strdup(f->v[i]);
        if (copy != NULL && grow(&f->ids, f->nids, &f->idcap, sizeof *f->ids))
            f->ids[f->nids++] = copy;
        else
            free(copy), whole = false;
    }
    if (f->nids > 1)
        qsort(f->ids, f->nids, sizeof *f->ids, by_tail);
    return whole;
}

/* The folder of key (its first n bytes) where it is kept, else NULL (mu held, or the lister
 * thread: only it sets a dir). */
static folder_t *kept(s3_listings_t *l, const char *key, size_t n)
{
    for (size_t k = 0; k < CACHED_FOLDERS; k++)
        if (l->f[k].dir != NULL && strlen(l->f[k].dir) == n && memcmp(l->f[k].dir, key, n) == 0)
            return &l->f[k];
    return NULL;
}

static void note_wrote(folder_t *f, const char *name);
static void note_removed(folder_t *f, const char *name);

/* The cached listing of the folder whose key prefix is key's first n bytes, listing it if
 * needed (the lister thread; one whose listing failed, or could not be kept whole, is listed
 * again). What writers and removals note meanwhile is replayed over it. */
static folder_t *folder(s3_listings_t *l, const char *key, size_t n)
{
    folder_t *lru = kept(l, key, n); /* one whose listing failed: again, in its own place */
    if (lru != NULL && !lru->failed) {
        lru->used = ++l->tick;
        return lru;
    }
    if (lru == NULL) /* the least recently used slot */
        for (size_t i = 0; i < CACHED_FOLDERS; i++)
            if (lru == NULL || l->f[i].used < lru->used)
                lru = &l->f[i];
    pthread_mutex_lock(&l->mu);
    folder_clear(lru);
    lru->dir = strndup(key, n);
    lru->listing = true;
    pthread_mutex_unlock(&l->mu);
    s3_err_t e;
    collecting_t c = {lru, n, false};
    pthread_mutex_lock(l->c_mu);
    int rc = lru->dir != NULL ? s3_list(l->c, l->bucket, lru->dir, true, 0, collect, &c, &e) : -1;
    pthread_mutex_unlock(l->c_mu);
    lru->failed = rc != 0 || c.oom;
    if (lru->failed) {
        names_free(lru->v, lru->n);
        lru->v = NULL;
        lru->n = lru->cap = 0;
    }
    if (lru->n > 1)
        qsort(lru->v, lru->n, sizeof *lru->v, by_name);
    pthread_mutex_lock(&l->mu);
    if (!index_idents(lru))
        lru->failed = true;
    lru->listing = false;
    for (size_t i = 0; i < lru->nnotes; i++) {
        (lru->notes[i].wrote ? note_wrote : note_removed)(lru, lru->notes[i].name);
        free(lru->notes[i].name);
    }
    lru->nnotes = 0;
    pthread_mutex_unlock(&l->mu);
    lru->used = ++l->tick;
    return lru;
}

/* key's folder prefix length. */
static size_t dir_len(const char *key)
{
    const char *slash = strrchr(key, '/');
    return slash ? (size_t)(slash - key) + 1 : 0;
}

/* The range [*i, return) of f's identity records beside the output named tail (mu held). */
static size_t range_of(const folder_t *f, const char *tail, size_t *i)
{
    size_t j = *i = first_of(f, tail);
    while (j < f->nids && strcmp(ident_tail(f->ids[j]), tail) == 0)
        j++;
    return j;
}

bool s3_listings_has(s3_listings_t *l, const char *key)
{
    size_t n = dir_len(key);
    folder_t *f = folder(l, key, n);
    const char *want = key + n, *tail = ident_tail(want);
    if (tail == NULL)
        return f->n > 0 && bsearch(&want, f->v, f->n, sizeof *f->v, by_name) != NULL;
    pthread_mutex_lock(&l->mu);
    size_t i, j = range_of(f, tail, &i);
    bool sole = !f->failed && j == i + 1 && strcmp(f->ids[i], want) == 0;
    pthread_mutex_unlock(&l->mu);
    return sole;
}

bool s3_listings_none_beside(s3_listings_t *l, const char *out_key)
{
    size_t n = dir_len(out_key);
    folder_t *f = folder(l, out_key, n);
    pthread_mutex_lock(&l->mu);
    size_t i, j = range_of(f, out_key + n, &i);
    pthread_mutex_unlock(&l->mu);
    return !f->failed && j == i;
}

int s3_listings_beside(s3_listings_t *l, const char *out_key, bool list, char ***keys, size_t *nk)
{
    size_t n = dir_len(out_key);
    folder_t *f = list ? folder(l, out_key, n) : NULL;
    if (f != NULL && f->failed)
        return -1;
    int rc = 0;
    pthread_mutex_lock(&l->mu);
    if (f == NULL)
        f = kept(l, out_key, n);
    size_t i = 0, j = f ? range_of(f, out_key + n, &i) : 0;
    for (; rc == 0 && i < j; i++) {
        char **w = realloc(*keys, (*nk + 1) * sizeof *w), *k = NULL;
        if (w != NULL)
            *keys = w;
        if (w == NULL || (k = malloc(n + strlen(f->ids[i]) + 1)) == NULL) {
            rc = -1;
            break;
        }
        memcpy(k, out_key, n);
        strcpy(k + n, f->ids[i]);
        (*keys)[(*nk)++] = k;
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

/* Adds name to f's index of identity records, unless it is there (mu held, not listing). */
static void note_wrote(folder_t *f, const char *name)
{
    size_t i, j = range_of(f, ident_tail(name), &i);
    for (size_t k = i; k < j; k++)
        if (strcmp(f->ids[k], name) == 0)
            return;
    char *copy = strdup(name);
    if (copy == NULL || !grow(&f->ids, f->nids, &f->idcap, sizeof *f->ids)) {
        free(copy); /* out of memory: as if unlisted (made again) */
        return;
    }
    memmove(f->ids + j + 1, f->ids + j, (f->nids - j) * sizeof *f->ids);
    f->ids[j] = copy;
    f->nids++;
}

/* Takes name out of f's index of identity records (mu held, not listing). */
static void note_removed(folder_t *f, const char *name)
{
    size_t i, j = range_of(f, ident_tail(name), &i);
    for (; i < j; i++)
        if (strcmp(f->ids[i], name) == 0) {
            free(f->ids[i]);
            memmove(f->ids + i, f->ids + i + 1, (f->nids - i - 1) * sizeof *f->ids);
            f->nids--;
            return;
        }
}

/* Notes ident_key's writing or removal in its folder where it is kept (or is being listed). */
static void note(s3_listings_t *l, const char *ident_key, bool wrote)
{
    size_t n = dir_len(ident_key);
    const char *name = ident_key + n;
    if (ident_tail(name) == NULL)
        return;
    pthread_mutex_lock(&l->mu);
    folder_t *f = kept(l, ident_key, n);
    if (f != NULL && f->listing) {
        char *copy = strdup(name);
        if (copy != NULL && grow(&f->notes, f->nnotes, &f->notecap, sizeof *f->notes))
            f->notes[f->nnotes++] = (note_t){copy, wrote};
        else
            free(copy); /* out of memory: the listing alone says */
    } else if (f != NULL) {
        (wrote ? note_wrote : note_removed)(f, name);
    }
    pthread_mutex_unlock(&l->mu);
}

void s3_listings_wrote(s3_listings_t *l, const char *ident_key)
{
    note(l, ident_key, true);
}

void s3_listings_removed(s3_listings_t *l, const char *ident_key)
{
    note(l, ident_key, false);
}
