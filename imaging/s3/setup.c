#include <stdio.h>
#include <stdlib.h>

#include "s3/s3.h"

static bool stop_at_first(void *ctx, const s3_obj_t *obj)
{
    (void)ctx, (void)obj;
    return false;
}

/* Lists one key of bucket/prefix: 0, or -1 with the reason in words. */
static int check_bucket(s3_client_t *c, const s3_conf_t *conf, const char *bucket,
                        const char *prefix, char *err, size_t errsz)
{
    s3_err_t e;
    if (s3_list(c, bucket, prefix, true, 1, stop_at_first, NULL, &e) == 0)
        return 0;
    switch (e.kind) {
    case S3E_AUTH:
        snprintf(err, errsz,
                 "S3 refused the request: %s (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
                 "AWS_SESSION_TOKEN)",
                 e.msg);
        break;
    case S3E_NO_BUCKET:
        snprintf(err, errsz, "no such bucket: %s", bucket);
        break;
    case S3E_CONNECT:
        snprintf(err, errsz, "cannot reach %s: %s", conf->endpoint ? conf->endpoint : "S3", e.msg);
        break;
    default:
        snprintf(err, errsz, "%s", e.msg);
    }
    return -1;
}

s3_client_t *s3_open_place(s3_conf_t *conf, unsigned retries, done_t *done, const char *url,
                           char **bucket, char **prefix, char *err, size_t errsz)
{
    if (s3_conf_from_env(conf, err, errsz) != 0)
        return NULL;
    conf->retries = retries;
    conf->done = done;
    if (!s3_parse_url(url, bucket, prefix)) {
        snprintf(err, errsz,
                 "not a valid s3://BUCKET[/PREFIX]: a bucket's name is 3 to 63 lower-case "
                 "letters, digits, dots and hyphens, from a letter or digit to a letter or digit");
        return NULL;
    }
    s3_client_t *c = s3_client_new(conf);
    if (c == NULL)
        snprintf(err, errsz, "out of memory");
    if (c == NULL || check_bucket(c, conf, *bucket, *prefix, err, errsz) != 0) {
        s3_client_free(c);
        free(*bucket);
        free(*prefix);
        *bucket = *prefix = NULL;
        return NULL;
    }
    return c;
}
