#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3/s3.h"

/* The variable's value, else (unset or empty) fallback's where one is named; malloc'd, or NULL. */
static char *env_dup(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    if ((v == NULL || v[0] == '\0') && fallback != NULL)
        return env_dup(fallback, NULL);
    return v != NULL && v[0] != '\0' ? strdup(v) : NULL;
}

int s3_conf_from_env(s3_conf_t *c, char *err, size_t errsz)
{
    c->access_key = env_dup("AWS_ACCESS_KEY_ID", NULL);
    c->secret = env_dup("AWS_SECRET_ACCESS_KEY", NULL);
    c->token = env_dup("AWS_SESSION_TOKEN", NULL);
    c->region = env_dup("AWS_REGION", "AWS_DEFAULT_REGION");
    if (c->region == NULL)
        c->region = strdup("us-east-1");
    c->endpoint = env_dup("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
    if (c->endpoint != NULL) {
        size_t n = strlen(c->endpoint);
        while (n > 0 && c->endpoint[n - 1] == '/')
            c->endpoint[--n] = '\0';
    }
    atomic_init(&c->n_list, 0);
    atomic_init(&c->n_get, 0);
    atomic_init(&c->n_put, 0);
    atomic_init(&c->n_delete, 0);
    atomic_init(&c->n_retry, 0);
    if (c->access_key == NULL || c->secret == NULL) {
        snprintf(err, errsz, "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
        return -1;
    }
    if (c->region == NULL)
        snprintf(err, errsz, "out of memory");
    return c->region != NULL ? 0 : -1;
}

void s3_conf_free(s3_conf_t *c)
{
    free(c->access_key);
    free(c->secret);
    free(c->token);
    free(c->region);
    free(c->endpoint);
    c->access_key = c->secret = c->token = c->region = c->endpoint = NULL;
}

void s3_conf_stats(const s3_conf_t *c, uint64_t made, char *buf, size_t size)
{
    uint64_t l = c->n_list, g = c->n_get, p = c->n_put, d = c->n_delete, r = c->n_retry;
    snprintf(buf, size,
             "S3 requests: %llu LIST, %llu GET, %llu PUT, %llu DeleteObjects, %llu retried; %.2f "
             "per image made",
             (unsigned long long)l, (unsigned long long)g, (unsigned long long)p,
             (unsigned long long)d, (unsigned long long)r,
             made ? (double)(l + g + p) / (double)made : 0.0);
}

bool s3_is_url(const char *text)
{
    return strncmp(text, "s3://", 5) == 0;
}

/* S3's bucket naming rules: 3-63 characters, lowercase letters, digits, dots and hyphens,
 * starting and ending with a letter or digit. */
static bool bucket_ok(const char *b, size_t n)
{
    if (n < 3 || n > 63 || !isalnum((unsigned char)b[0]) || !isalnum((unsigned char)b[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)b[i]) || isdigit((unsigned char)b[i]) || b[i] == '.' ||
              b[i] == '-'))
            return false;
    return true;
}

bool s3_parse_url(const char *url, char **bucket, char **prefix)
{
    if (!s3_is_url(url))
        return false;
    const char *b = url + 5;
    const char *slash = strchr(b, '/');
    size_t bn = slash ? (size_t)(slash - b) : strlen(b);
    if (!bucket_ok(b, bn))
        return false;
    const char *p = slash ? slash + 1 : "";
    while (*p == '/')
        p++;
    size_t pn = strlen(p);
    while (pn > 0 && p[pn - 1] == '/')
        pn--;
    *bucket = strndup(b, bn);
    *prefix = malloc(pn + 2);
    if (*bucket == NULL || *prefix == NULL) {
        free(*bucket);
        free(*prefix);
        return false;
    }
    memcpy(*prefix, p, pn);
    if (pn > 0)
        (*prefix)[pn++] = '/';
    (*prefix)[pn] = '\0';
    return true;
}

const char *s3_content_type(const char *name)
{
    static const char *const types[][2] = {
        {".jpg", "image/jpeg"},
        {".webp", "image/webp"},
        {".avif", "image/avif"},
        {".png", "image/png"},
        {".gif", "image/gif"},
        {".html", "text/html; charset=utf-8"}}; /* .html: the gallery's pages (--html) */
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot != NULL && i < sizeof types / sizeof *types; i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}
