#include <errno.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/s3_internal.h"

/* One page of a listing, parsed as it streams in (expat) and handed on once complete. */
typedef struct {
    XML_Parser xp;
    s3_obj_t *objs; /* keys malloc'd */
    size_t n, cap;
    s3_obj_t cur;
    char *text; /* the current leaf element's text */
    size_t text_len, text_cap;
    int depth;        /* 1: ListBucketResult, 2: its children, 3: theirs */
    char parent[32];  /* the depth-2 element we are in */
    char *next_token; /* NextContinuationToken, malloc'd */
    bool truncated, oom;
} page_t;

static void clear_page(page_t *p)
{
    for (size_t i = 0; i < p->n; i++)
        free((char *)p->objs[i].key);
    p->n = 0;
    free(p->next_token);
    p->next_token = NULL;
    p->truncated = p->oom = false;
    p->depth = 0;
    p->text_len = 0;
    memset(&p->cur, 0, sizeof p->cur);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    page_t *p = ud;
    p->depth++;
    p->text_len = 0;
    if (p->depth == 2) {
        snprintf(p->parent, sizeof p->parent, "%s", name);
        memset(&p->cur, 0, sizeof p->cur);
    }
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    page_t *p = ud;
    if (p->text_len + (size_t)len + 1 > p->text_cap) {
        size_t cap = (p->text_len + (size_t)len + 1) * 2;
        char *t = realloc(p->text, cap);
        if (t == NULL) {
            p->oom = true;
            return;
        }
        p->text = t;
        p->text_cap = cap;
    }
    memcpy(p->text + p->text_len, s, (size_t)len);
    p->text_len += (size_t)len;
    p->text[p->text_len] = '\0';
}

/* "2026-11-23T18:18:21.000Z" -> seconds since the epoch (UTC); 0 if unreadable. */
static struct timespec parse_time(const char *s)
{
    struct tm tm = {0};
    struct timespec ts = {0, 0};
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) == 6) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        ts.tv_sec = timegm(&tm);
    }
    return ts;
}

static void add(page_t *p, s3_obj_t o)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        s3_obj_t *v = realloc(p->objs, cap * sizeof *v);
        if (v == NULL) {
            p->oom = true;
            free((char *)o.key);
            return;
        }
        p->objs = v;
        p->cap = cap;
    }
    p->objs[p->n++] = o;
}

static void on_end(void *ud, const XML_Char *name)
{
    page_t *p = ud;
    const char *text = p->text_len ? p->text : "";
    bool contents = strcmp(p->parent, "Contents") == 0;
    bool prefixes = strcmp(p->parent, "CommonPrefixes") == 0;
    if (p->depth == 3 && (contents || prefixes)) {
        if (strcmp(name, "Key") == 0 || strcmp(name, "Prefix") == 0) {
            free((char *)p->cur.key);
            p->cur.key = strdup(text);
            p->oom |= p->cur.key == NULL;
        } else if (strcmp(name, "Size") == 0) {
            p->cur.size = strtoull(text, NULL, 10);
        } else if (strcmp(name, "LastModified") == 0) {
            p->cur.mtime = parse_time(text);
        }
    } else if (p->depth == 2 && (contents || prefixes)) {
        p->cur.is_prefix = prefixes;
        if (p->cur.key != NULL)
            add(p, p->cur);
        memset(&p->cur, 0, sizeof p->cur);
    } else if (p->depth == 2 && strcmp(name, "IsTruncated") == 0) {
        p->truncated = strcmp(text, "true") == 0;
    } else if (p->depth == 2 && strcmp(name, "NextContinuationToken") == 0) {
        free(p->next_token);
        p->next_token = strdup(text);
        p->oom |= p->next_token == NULL;
    }
    if (p->depth == 2)
        p->parent[0] = '\0';
    p->depth--;
    p->text_len = 0;
}

static bool page_sink(void *ctx, const char *data, size_t n)
{
    page_t *p = ctx;
    if (XML_Parse(p->xp, data, (int)n, 0) != XML_STATUS_OK || p->oom) {
        errno = p->oom ? ENOMEM : EPROTO;
        return false;
    }
    return true;
}

static bool page_rewind(void *ctx)
{
    page_t *p = ctx;
    clear_page(p);
    XML_ParserReset(p->xp, "UTF-8");
    XML_SetUserData(p->xp, p);
    XML_SetElementHandler(p->xp, on_start, on_end);
    XML_SetCharacterDataHandler(p->xp, on_text);
    return true;
}

/* The query of one page: its parameters in byte order of their names, values encoded. */
static char *page_query(const char *prefix, bool delimit, unsigned max_keys, const char *token)
{
    char *enc_tok = token ? s3_query_encode(token) : NULL;
    char *enc_pre = s3_query_encode(prefix);
    char *q = NULL;
    char mk[32] = "";
    if (max_keys > 0)
        snprintf(mk, sizeof mk, "&max-keys=%u", max_keys);
    if (enc_pre != NULL && (token == NULL || enc_tok != NULL) &&
        asprintf(&q, "%s%s%slist-type=2%s&prefix=%s", token ? "continuation-token=" : "",
                 token ? enc_tok : "",
                 delimit ? (token ? "&delimiter=%2F&" : "delimiter=%2F&") : (token ? "&" : ""), mk,
                 enc_pre) < 0)
        q = NULL;
    free(enc_tok);
    free(enc_pre);
    return q;
}

int s3_list(s3_client_t *c, const char *bucket, const char *prefix, bool delimit, unsigned max_keys,
            s3_list_fn fn, void *ctx, s3_err_t *err)
{
    page_t p = {.xp = XML_ParserCreate("UTF-8")};
    if (p.xp == NULL)
        return s3_fail(err, "out of memory");
    int rc = 0;
    char *token = NULL;
    bool go = true;
    do {
        char *q = page_query(prefix, delimit, max_keys, token);
        s3_req_t r = {.method = "GET",
                      .bucket = bucket,
                      .query = q,
                      .sink = page_sink,
                      .rewind = page_rewind,
                      .sink_ctx = &p,
                      .listing = true};
        rc = q ? s3_request(c, &r, err) : s3_fail(err, "out of memory");
        free(q);
        if (rc == 0 && XML_Parse(p.xp, "", 0, 1) != XML_STATUS_OK)
            rc = s3_fail(err, "unreadable listing: %s", XML_ErrorString(XML_GetErrorCode(p.xp)));
        for (size_t i = 0; rc == 0 && go && i < p.n; i++)
            go = fn(ctx, &p.objs[i]);
        free(token);
        token = rc == 0 && go && p.truncated && p.next_token ? strdup(p.next_token) : NULL;
    } while (token != NULL);
    clear_page(&p);
    free(p.objs);
    free(p.text);
    XML_ParserFree(p.xp);
    return rc;
}
