/* s3_ident: the S3 store's identity records (store/s3_store.h), and the questions to its
 * listings they rest on. */
#include "store/s3_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/mirror.h"

char *s3_key_of(const s3store_t *s, const char *path)
{
    const char *rel = strlen(path) > s->dst_len ? path + s->dst_len : "";
    char *key = malloc(strlen(s->prefix) + strlen(rel) + 1);
    if (key != NULL)
        sprintf(key, "%s%s", s->prefix, rel);
    return key;
}

/* Asks the kept listings `q` about path's key; false when out of memory (a question that cannot
 * be asked vouches for nothing). */
static bool ask(s3store_t *s, const char *path, bool (*q)(s3_listings_t *, const char *))
{
    char *key = s3_key_of(s, path);
    bool yes = key != NULL && q(s->listings, key);
    free(key);
    return yes;
}

bool s3_listed(s3store_t *s, const char *path)
{
    return ask(s, path, s3_listings_has);
}

bool s3_ident_listed(s3store_t *s, const task_t *t, int verdict)
{
    char *id = store_ident_record(t, verdict, s->dst_len);
    bool hit = id != NULL && s3_listed(s, id);
    free(id);
    return hit;
}

/* The addresses of keys[0..n) (freed), appended to t->idents; false: out of memory. */
static bool add_idents(s3store_t *s, task_t *t, char **keys, size_t n)
{
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        char *addr = NULL, **w = NULL;
        if (ok && asprintf(&addr, "%s/%s", s->dst, keys[i] + strlen(s->prefix)) >= 0 &&
            (w = realloc(t->idents, (t->nidents + 1) * sizeof *w)) != NULL) {
            t->idents = w;
            t->idents[t->nidents++] = addr;
        } else {
            free(addr);
            ok = false;
        }
        free(keys[i]);
    }
    return ok;
}

void s3_idents_held(s3store_t *s, task_t *t)
{
    for (size_t i = 0; i < t->nidents; i++)
        free(t->idents[i]);
    t->nidents = 0;
    t->idents_unknown = false;
    for (int i = 0; i < t->nouts; i++) {
        char *key = s3_key_of(s, t->outs[i].dst), **keys = NULL;
        size_t n = 0;
        bool known = key != NULL && s3_listings_beside(s->listings, key, true, &keys, &n) == 0;
        if (!add_idents(s, t, keys, n) || !known) /* add_idents frees the keys either way */
            t->idents_unknown = true;
        free(keys);
        free(key);
    }
}

/* s3_deleted_fn counting the keys that were not deleted (ctx: int). */
static void count_failed(void *ctx, const char *key, const char *err)
{
    (void)key;
    *(int *)ctx += err != NULL;
}

int s3_drop_idents(s3store_t *s, s3_client_t *c, const task_t *t, s3_err_t *e)
{
    char **keys = NULL;
    size_t k = 0;
    int rc = t->idents_unknown ? -1 : 0;
    if (rc != 0)
        snprintf(e->msg, sizeof e->msg, "its folder in DST could not be listed");
    for (int i = 0; rc == 0 && i < t->nouts; i++) {
        char *out = s3_key_of(s, t->outs[i].dst);
        rc = out ? s3_listings_beside(s->listings, out, false, &keys, &k) : -1;
        free(out);
    }
    for (size_t i = 0; rc == 0 && i < t->nidents; i++) {
        char *key = s3_key_of(s, t->idents[i]), **w = realloc(keys, (k + 1) * sizeof *w);
        if (w != NULL)
            keys = w;
        if (key == NULL || w == NULL)
            free(key), rc = -1;
        else
            keys[k++] = key;
    }
    if (rc != 0 && !t->idents_unknown)
        snprintf(e->msg, sizeof e->msg, "out of memory");
    size_t n = 0; /* without repeats */
    for (size_t i = 0; i < k; i++) {
        bool again = false;
        for (size_t j = 0; j < n && !again; j++)
            again = strcmp(keys[i], keys[j]) == 0;
        if (again)
            free(keys[i]);
        else
            keys[n++] = keys[i];
    }
    int failed = 0;
    for (size_t done = 0; rc == 0 && done < n; done += S3_DELETE_MAX) {
        size_t m = n - done < S3_DELETE_MAX ? n - done : S3_DELETE_MAX;
        rc = s3_delete(c, s->bucket, keys + done, m, count_failed, &failed, e);
    }
    if (rc == 0 && failed > 0) {
        snprintf(e->msg, sizeof e->msg, "cannot remove its old identity record");
        rc = -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            s3_listings_removed(s->listings, keys[i]);
        free(keys[i]);
    }
    free(keys);
    return rc;
}

bool s3_none_beside(s3store_t *s, const char *path)
{
    return ask(s, path, s3_listings_none_beside);
}
