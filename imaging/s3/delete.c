/* DeleteObjects: one POST of up to 1000 keys, in quiet mode (the answer lists only the keys that
 * could not be deleted, each with its reason), parsed with expat. */
#include <expat.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/s3_internal.h"

/* The answer's <Error> elements: Key and Message (or Code) of each. */
typedef struct {
    XML_Parser xp;
    struct failed {
        char *key, *msg;
    } * v;
    size_t n, cap;
    char key[1024], msg[256], code[64];
    char text[1024];
    size_t text_len;
    bool in_error, oom;
} answer_t;

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    (void)attrs;
    answer_t *a = ud;
    a->text_len = 0;
    if (strcmp(name, "Error") == 0) {
        a->in_error = true;
        a->key[0] = a->msg[0] = a->code[0] = '\0';
    }
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    answer_t *a = ud;
    size_t n = (size_t)len;
    if (a->text_len + n >= sizeof a->text)
        n = sizeof a->text - 1 - a->text_len;
    memcpy(a->text + a->text_len, s, n);
    a->text_len += n;
}

static void on_end(void *ud, const XML_Char *name)
{
    answer_t *a = ud;
    a->text[a->text_len] = '\0';
    if (!a->in_error) {
        a->text_len = 0;
        return;
    }
    if (strcmp(name, "Key") == 0) {
        g_strlcpy(a->key, a->text, sizeof a->key);
    } else if (strcmp(name, "Message") == 0) {
        g_strlcpy(a->msg, a->text, sizeof a->msg);
    } else if (strcmp(name, "Code") == 0) {
        g_strlcpy(a->code, a->text, sizeof a->code);
    } else if (strcmp(name, "Error") == 0) {
        a->in_error = false;
        struct failed *v = a->v;
        if (a->n == a->cap && (v = realloc(a->v, (a->cap * 2 + 16) * sizeof *v)) != NULL) {
            a->v = v;
            a->cap = a->cap * 2 + 16;
        }
        char *msg = NULL, *key = v ? strdup(a->key) : NULL;
        if (key == NULL || asprintf(&msg, "cannot delete: %s%s%s", a->code[0] ? a->code : "error",
                                    a->msg[0] ? ": " : "", a->msg) < 0) {
            free(key);
            a->oom = true;
            return;
        }
        a->v[a->n++] = (struct failed){key, msg};
    }
    a->text_len = 0;
}

static bool answer_sink(void *ctx, const char *data, size_t n)
{
    answer_t *a = ctx;
    return XML_Parse(a->xp, data, (int)n, 0) != XML_STATUS_ERROR && !a->oom;
}

static void answer_clear(answer_t *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i].key);
        free(a->v[i].msg);
    }
    a->n = 0;
}

static bool answer_rewind(void *ctx)
{
    answer_t *a = ctx;
    answer_clear(a);
    a->in_error = a->oom = false;
    a->text_len = 0;
    XML_ParserReset(a->xp, NULL);
    XML_SetUserData(a->xp, a);
    XML_SetElementHandler(a->xp, on_start, on_end);
    XML_SetCharacterDataHandler(a->xp, on_text);
    return true;
}

/* Appends s to the growing body, XML-escaped. */
static void put_escaped(GString *b, const char *s)
{
    for (; *s; s++) {
        const char *entity = *s == '&'   ? "&amp;"
                             : *s == '<' ? "&lt;"
                             : *s == '>' ? "&gt;"
                             : *s == '"' ? "&quot;"
                                         : NULL;
        if (entity != NULL)
            g_string_append(b, entity);
        else
            g_string_append_c(b, *s);
    }
}

int s3_delete(s3_client_t *c, const char *bucket, char *const *keys, size_t n, s3_deleted_fn fn,
              void *ctx, s3_err_t *err)
{
    memset(err, 0, sizeof *err);
    GString *body = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                 "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                                 "<Quiet>true</Quiet>");
    for (size_t i = 0; i < n; i++) {
        g_string_append(body, "<Object><Key>");
        put_escaped(body, keys[i]);
        g_string_append(body, "</Key></Object>");
    }
    g_string_append(body, "</Delete>");
    guint8 digest[16];
    gsize dlen = sizeof digest;
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    g_checksum_update(md5, (const guchar *)body->str, (gssize)body->len);
    g_checksum_get_digest(md5, digest, &dlen);
    g_checksum_free(md5);
    gchar *md5_b64 = g_base64_encode(digest, dlen);
    answer_t a = {.xp = XML_ParserCreate("UTF-8")};
    int rc = -1;
    if (a.xp == NULL || md5_b64 == NULL) {
        s3_fail(err, "out of memory");
    } else {
        answer_rewind(&a);
        s3_req_t r = {.method = "POST",
                      .bucket = bucket,
                      .query = "delete=",
                      .body = body->str,
                      .len = body->len,
                      .content_type = "application/xml",
                      .content_md5 = md5_b64,
                      .sink = answer_sink,
                      .rewind = answer_rewind,
                      .sink_ctx = &a};
        rc = s3_request(c, &r, err);
        if (rc == 0 && (XML_Parse(a.xp, "", 0, 1) == XML_STATUS_ERROR || a.oom))
            rc = s3_fail(err, "cannot read the DeleteObjects answer");
    }
    for (size_t i = 0; fn != NULL && rc == 0 && i < n; i++) {
        const char *why = NULL;
        for (size_t j = 0; why == NULL && j < a.n; j++)
            if (strcmp(a.v[j].key, keys[i]) == 0)
                why = a.v[j].msg;
        fn(ctx, keys[i], why);
    }
    answer_clear(&a);
    free(a.v);
    if (a.xp != NULL)
        XML_ParserFree(a.xp);
    g_free(md5_b64);
    g_string_free(body, TRUE);
    return rc;
}
