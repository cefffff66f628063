/* What the s3 files share: one request, described, and the call that makes it with retries.
 * Error convention: as s3.h's requests. */
#ifndef IMAGING_S3_INTERNAL_H
#define IMAGING_S3_INTERNAL_H

#include "s3/s3.h"

typedef struct s3_req {
    const char *method; /* GET, PUT, POST */
    const char *bucket;
    const char *key;   /* NULL for the bucket itself */
    const char *query; /* already sorted by name and percent-encoded; NULL for none */
    const void *body;  /* PUT and POST */
    size_t len;
    const char *content_type;
    const char *content_md5; /* base64, or NULL (DeleteObjects needs one) */
    const char *meta;        /* PUT: the x-amz-meta-thumbgen-src header's value (ASCII), or NULL */
    /* Receives a successful answer's body; false aborts (errno says why). */
    bool (*sink)(void *ctx, const char *data, size_t n);
    /* Called before each attempt so that a retried answer starts afresh; may be NULL. */
    bool (*rewind)(void *ctx);
    void *sink_ctx;
    bool listing; /* counted as a LIST, not a GET */
} s3_req_t;

/* Makes the request, retrying what is worth retrying. 0, or -1 with err. */
int s3_request(s3_client_t *c, const s3_req_t *r, s3_err_t *err);

/* Sets err to an S3E_OTHER error, its message printf's; returns -1. */
int s3_fail(s3_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* value percent-encoded for a query string (slashes too), malloc'd. */
char *s3_query_encode(const char *value);

#endif
