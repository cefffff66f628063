/* s3: the little of Amazon S3's REST API that thumbgen needs (ListObjectsV2, GET, PUT,
 * DeleteObjects), over
 * libcurl, for AWS and S3-compatible servers. Requests are signed by libcurl itself
 * (CURLOPT_AWS_SIGV4); this file only gives it what curl 7.88 leaves to the caller: the payload's
 * SHA-256 in x-amz-content-sha256, a query string already sorted and percent-encoded, and keys
 * percent-encoded by S3's rules (every byte but A-Z a-z 0-9 - . _ ~ and the slashes).
 *
 * Configuration comes from the standard environment (s3_conf_from_env). The secret is handed to
 * libcurl and never written anywhere: no message, manifest line or statistic contains it.
 *
 * Threads: an s3_client_t belongs to one thread (one curl handle, kept alive between requests so
 * connections are reused). A request waits in curl_multi_poll on its sockets and on the run's
 * done, so cancelling wakes it at once. Failed attempts (no connection, 5xx, 429, SlowDown) are
 * retried conf->retries times with exponential backoff and full jitter.
 *
 * Error convention: requests (s3_put, s3_get, s3_list) return 0, or -1 with *err filled: its
 * kind, for the caller to act on, and its message in words (never a bare code); set-up calls
 * (s3_conf_from_env, s3_open_place) return -1 or NULL with the reason in words in a char buffer;
 * s3_client_new returns NULL on ENOMEM. */
#ifndef IMAGING_S3_H
#define IMAGING_S3_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pipeline/done.h"

typedef struct s3_conf {
    char *access_key, *secret, *token; /* from AWS_ACCESS_KEY_ID, ... (malloc'd) */
    char *region;                      /* AWS_REGION, AWS_DEFAULT_REGION, or us-east-1 */
    char *endpoint; /* AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (path-style); NULL: AWS itself */
    unsigned retries;
    done_t *done;
    /* Requests made, by kind, for --stats (all threads). */
    atomic_uint_fast64_t n_list, n_get, n_put, n_delete, n_retry;
} s3_conf_t;

/* Reads the environment into c (retries and done are the caller's). Returns -1 with err when no
 * credentials are set. */
int s3_conf_from_env(s3_conf_t *c, char *err, size_t errsz);
void s3_conf_free(s3_conf_t *c);

/* --stats: the requests made with c, in words ("S3 requests: ... per image made"). */
void s3_conf_stats(const s3_conf_t *c, uint64_t made, char *buf, size_t size);

/* True when text is "s3://..." (the form that selects the S3 source or store). */
bool s3_is_url(const char *text);

/* Splits "s3://BUCKET[/PREFIX]" into a malloc'd bucket and a malloc'd prefix that is empty or ends
 * with one slash. False (nothing allocated) when the bucket name is missing or not a valid one. */
bool s3_parse_url(const char *url, char **bucket, char **prefix);

typedef enum {
    S3E_NONE,
    S3E_CANCELLED, /* the run's done fired */
    S3E_CONNECT,   /* no connection to the endpoint */
    S3E_AUTH,      /* credentials or signature refused */
    S3E_NO_BUCKET,
    S3E_NOT_FOUND, /* no such key */
    S3E_OTHER,
} s3_kind_t;

typedef struct s3_err {
    s3_kind_t kind;
    char msg[256];
} s3_err_t;

typedef struct s3_client s3_client_t;

/* A client for the calling thread. NULL on ENOMEM. */
s3_client_t *s3_client_new(s3_conf_t *conf);
void s3_client_free(s3_client_t *c);

/* Writes an object in one PUT (atomic: readers see the old object or the whole new one), with
 * meta (ASCII, or NULL) as its x-amz-meta-thumbgen-src metadata. */
int s3_put(s3_client_t *c, const char *bucket, const char *key, const void *buf, size_t len,
           const char *content_type, const char *meta, s3_err_t *err);

/* Reads an object into fd, an empty file the caller owns: from offset 0, as a retried attempt
 * truncates fd and starts again there. */
int s3_get(s3_client_t *c, const char *bucket, const char *key, int fd, s3_err_t *err);

/* One listed object: its key, size and Last-Modified; or, with a delimiter, a common prefix
 * (is_prefix, size and mtime unset). */
typedef struct s3_obj {
    const char *key;
    uint64_t size;
    struct timespec mtime;
    bool is_prefix;
} s3_obj_t;

/* Called for each entry, page by page in S3's order (byte order of the UTF-8 keys). An entry is
 * delivered only once its page has arrived whole, so a retried page never repeats one. Return
 * false to stop the listing. */
typedef bool (*s3_list_fn)(void *ctx, const s3_obj_t *obj);

/* ListObjectsV2 of every key under prefix (with delimiter "/" when delimit), paginated. max_keys
 * 0 is S3's default page (1000). */
int s3_list(s3_client_t *c, const char *bucket, const char *prefix, bool delimit, unsigned max_keys,
            s3_list_fn fn, void *ctx, s3_err_t *err);

/* Called for each key of a DeleteObjects request: err NULL when it was deleted (or was not
 * there), else the server's reason for that key. */
typedef void (*s3_deleted_fn)(void *ctx, const char *key, const char *err);

#define S3_DELETE_MAX 1000 /* keys in one DeleteObjects request, as S3 allows */

/* Deletes keys[0..n) (n at most S3_DELETE_MAX) in one DeleteObjects request (quiet mode, with
 * its Content-MD5), retried like the others; then calls fn (unless NULL) for every key. -1 with err
 * when the request itself failed (fn is then not called). */
int s3_delete(s3_client_t *c, const char *bucket, char *const *keys, size_t n, s3_deleted_fn fn,
              void *ctx, s3_err_t *err);

/* Opens the place "s3://BUCKET[/PREFIX]" names, for the S3 source and store alike: reads conf
 * from the environment (s3_conf_from_env; with retries and done), splits url into *bucket and
 * *prefix (malloc'd, as s3_parse_url), makes a client for the calling thread, and
 * checks before any work that the endpoint answers, the bucket exists and the credentials and
 * signature are accepted (by listing one key). Returns the client, or NULL with the reason in
 * words in err (naming the variables to check, never their values) and nothing allocated. */
s3_client_t *s3_open_place(s3_conf_t *conf, unsigned retries, done_t *done, const char *url,
                           char **bucket, char **prefix, char *err, size_t errsz);

/* The Content-Type of a thumbnail file name's extension. */
const char *s3_content_type(const char *name);

#endif
