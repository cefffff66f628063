#include <curl/curl.h>
#include <errno.h>
#include <glib.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "pipeline/fdio.h"
#include "s3/s3_internal.h"

/* SHA-256 of no bytes: the payload hash of every request without a body. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ERR_BODY_MAX 4096

struct s3_client {
    s3_conf_t *conf;
    CURL *easy;
    CURLM *multi;
    char sigv4[128];
    /* the request in flight */
    const s3_req_t *req;
    size_t up_off;
    long status;
    char body[ERR_BODY_MAX]; /* an error answer's start */
    size_t body_len;
    bool sink_failed;
};

/* curl_global_init, once per process (run by the first s3_client_new). */
static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

s3_client_t *s3_client_new(s3_conf_t *conf)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
    s3_client_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->conf = conf;
    c->easy = curl_easy_init();
    c->multi = curl_multi_init();
    if (c->easy == NULL || c->multi == NULL) {
        s3_client_free(c);
        return NULL;
    }
    snprintf(c->sigv4, sizeof c->sigv4, "aws:amz:%s:s3", conf->region);
    return c;
}

void s3_client_free(s3_client_t *c)
{
    if (c == NULL)
        return;
    curl_easy_cleanup(c->easy); /* both take NULL */
    curl_multi_cleanup(c->multi);
    free(c);
}

int s3_fail(s3_err_t *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err->kind = S3E_OTHER;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* Appends src to dst, percent-encoding every byte but S3's unreserved ones (and '/' when
 * keep_slash). dst must have room for 3 * strlen(src) + 1. */
static char *encode(char *dst, const char *src, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
        unsigned char ch = *p;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~' || (keep_slash && ch == '/')) {
            *dst++ = (char)ch;
        } else {
            *dst++ = '%';
            *dst++ = hex[ch >> 4];
            *dst++ = hex[ch & 15];
        }
    }
    *dst = '\0';
    return dst;
}

char *s3_query_encode(const char *value)
{
    char *out = malloc(3 * strlen(value) + 1);
    if (out != NULL)
        encode(out, value, false);
    return out;
}

/* The request's URL: path-style under a custom endpoint, virtual-hosted on AWS. malloc'd. */
static char *make_url(const s3_conf_t *conf, const s3_req_t *r)
{
    const char *key = r->key ? r->key : "";
    size_t n = strlen(r->bucket) + 3 * strlen(key) + (r->query ? strlen(r->query) : 0) +
               (conf->endpoint ? strlen(conf->endpoint) : strlen(conf->region)) + 64;
    char *url = malloc(n);
    if (url == NULL)
        return NULL;
    int len;
    if (conf->endpoint != NULL) /* path-style; the bucket itself is "/BUCKET", no slash after */
        len = snprintf(url, n, "%s/%s%s", conf->endpoint, r->bucket, r->key ? "/" : "");
    else
        len = snprintf(url, n, "https://%s.s3.%s.amazonaws.com/", r->bucket, conf->region);
    char *end = encode(url + len, key, true);
    if (r->query != NULL)
        sprintf(end, "?%s", r->query);
    return url;
}

static size_t on_read(char *buf, size_t size, size_t nmemb, void *ud)
{
    s3_client_t *c = ud;
    size_t left = c->req->len - c->up_off, n = size * nmemb;
    if (n > left)
        n = left;
    memcpy(buf, (const char *)c->req->body + c->up_off, n);
    c->up_off += n;
    return n;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *ud)
{
    s3_client_t *c = ud;
    size_t n = size * nmemb;
    if (c->status == 0)
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->status);
    if (c->status >= 200 && c->status < 300 && c->req->sink != NULL) {
        if (!c->req->sink(c->req->sink_ctx, data, n)) {
            c->sink_failed = true;
            return 0; /* aborts the transfer */
        }
        return n;
    }
    size_t room = sizeof c->body - 1 - c->body_len;
    size_t k = n < room ? n : room;
    memcpy(c->body + c->body_len, data, k);
    c->body_len += k;
    c->body[c->body_len] = '\0';
    return n;
}

/* Runs the prepared transfer, waiting on its sockets and the done. */
static CURLcode perform(s3_client_t *c, bool *cancelled)
{
    *cancelled = false;
    curl_multi_add_handle(c->multi, c->easy);
    int dfd = c->conf->done ? done_fd(c->conf->done) : -1;
    int running = 1;
    CURLcode res = CURLE_OK;
    while (running) {
        if (curl_multi_perform(c->multi, &running) != CURLM_OK) {
            res = CURLE_OUT_OF_MEMORY;
            break;
        }
        if (!running)
            break;
        struct curl_waitfd w = {.fd = dfd, .events = CURL_WAIT_POLLIN};
        /* curl shortens the wait to its own timers (connect and stall limits). */
        curl_multi_poll(c->multi, dfd >= 0 ? &w : NULL, dfd >= 0 ? 1 : 0, 3600 * 1000, NULL);
        if (done_fired(c->conf->done)) {
            *cancelled = true;
            break;
        }
    }
    CURLMsg *m;
    int queued;
    while ((m = curl_multi_info_read(c->multi, &queued)) != NULL)
        if (m->msg == CURLMSG_DONE)
            res = m->data.result;
    curl_multi_remove_handle(c->multi, c->easy);
    return res;
}

/* Copies the text of <tag>...</tag> in an S3 error document into out. */
static void xml_field(const char *doc, const char *tag, char *out, size_t size)
{
    char open[32], close[32];
    snprintf(open, sizeof open, "<%s>", tag);
    snprintf(close, sizeof close, "</%s>", tag);
    out[0] = '\0';
    const char *a = strstr(doc, open);
    const char *b = a ? strstr(a, close) : NULL;
    if (a == NULL || b == NULL)
        return;
    a += strlen(open);
    snprintf(out, size, "%.*s", (int)(b - a), a);
}

/* Classifies one finished attempt into err; true when it is worth another attempt. */
static bool classify(s3_client_t *c, CURLcode res, s3_err_t *err)
{
    char code[64], msg[160];
    if (res != CURLE_OK) {
        if (c->sink_failed) {
            s3_fail(err, "cannot keep the data: %s", strerror(errno));
            return false;
        }
        bool no_answer = c->status == 0;
        err->kind = no_answer ? S3E_CONNECT : S3E_OTHER;
        snprintf(err->msg, sizeof err->msg, "%s", curl_easy_strerror(res));
        return res != CURLE_OUT_OF_MEMORY && res != CURLE_URL_MALFORMAT &&
               res != CURLE_UNSUPPORTED_PROTOCOL;
    }
    if (c->status >= 200 && c->status < 300) {
        err->kind = S3E_NONE;
        err->msg[0] = '\0';
        return false;
    }
    xml_field(c->body, "Code", code, sizeof code);
    xml_field(c->body, "Message", msg, sizeof msg);
    if (code[0] == '\0')
        snprintf(code, sizeof code, "HTTP %ld", c->status);
    else
        snprintf(code + strlen(code), sizeof code - strlen(code), " (HTTP %ld)", c->status);
    snprintf(err->msg, sizeof err->msg, "%s%s%s", code, msg[0] ? ": " : "", msg);
    if (strstr(code, "NoSuchBucket") == code)
        err->kind = S3E_NO_BUCKET;
    else if (strstr(code, "NoSuchKey") == code || c->status == 404)
        err->kind = S3E_NOT_FOUND;
    else if (c->status == 403 || c->status == 401)
        err->kind = S3E_AUTH;
    else
        err->kind = S3E_OTHER;
    return c->status >= 500 || c->status == 429 || strstr(code, "SlowDown") == code;
}

/* Waits before attempt number `attempt` (1, 2, ...): full jitter over 100 ms * 2^(attempt-1),
 * at most 5 s. False when the done fired meanwhile. */
static bool backoff(s3_client_t *c, unsigned attempt)
{
    unsigned cap = 100u << (attempt - 1 < 6 ? attempt - 1 : 6);
    if (cap > 5000)
        cap = 5000;
    unsigned r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = attempt * 7919u;
    int ms = (int)(r % (cap + 1));
    int dfd = c->conf->done ? done_fd(c->conf->done) : -1;
    struct pollfd p = {.fd = dfd, .events = POLLIN};
    return poll(&p, dfd >= 0 ? 1 : 0, ms) == 0 && !done_fired(c->conf->done);
}

/* Appends "name: value" to *h (value NULL: nothing). False on ENOMEM. */
static bool add_header(struct curl_slist **h, const char *name, const char *value)
{
    char *line = NULL;
    if (value == NULL)
        return true;
    if (asprintf(&line, "%s: %s", name, value) < 0)
        return false;
    struct curl_slist *more = curl_slist_append(*h, line);
    free(line);
    *h = more ? more : *h;
    return more != NULL;
}

/* Sets up the easy handle for r. False on ENOMEM. */
static bool prepare(s3_client_t *c, const s3_req_t *r, const char *url, struct curl_slist **hdrs)
{
    CURL *e = c->easy;
    curl_easy_reset(e);
    char *sum = r->body ? g_compute_checksum_for_data(G_CHECKSUM_SHA256, r->body, r->len) : NULL;
    struct curl_slist *h = NULL;
    bool ok = (r->body == NULL || sum != NULL) &&
              add_header(&h, "x-amz-content-sha256", sum ? sum : EMPTY_SHA256) &&
              add_header(&h, "Content-Type", r->content_type) &&
              add_header(&h, "x-amz-meta-thumbgen-src", r->meta) && /* signed, an x-amz- one */
              add_header(&h, "Content-MD5", r->content_md5) &&
              add_header(&h, "x-amz-security-token", c->conf->token);
    g_free(sum);
    *hdrs = h;
    if (!ok)
        return false;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, c->sigv4);
    curl_easy_setopt(e, CURLOPT_USERNAME, c->conf->access_key);
    curl_easy_setopt(e, CURLOPT_PASSWORD, c->conf->secret);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    /* A stalled transfer (under 1 byte/s for 60 s) fails and is retried. */
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    /* Thumbnails are small: never wait for "100 Continue" (an "Expect:" header to turn it off
     * would be signed by curl 7.88 and break the signature). */
    curl_easy_setopt(e, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    if (strcmp(r->method, "PUT") == 0) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, c);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->len);
    } else if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len);
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    }
    return true;
}

int s3_request(s3_client_t *c, const s3_req_t *r, s3_err_t *err)
{
    memset(err, 0, sizeof *err);
    char *url = make_url(c->conf, r);
    if (url == NULL)
        return s3_fail(err, "out of memory");
    atomic_uint_fast64_t *count = r->listing                       ? &c->conf->n_list
                                  : strcmp(r->method, "PUT") == 0  ? &c->conf->n_put
                                  : strcmp(r->method, "POST") == 0 ? &c->conf->n_delete
                                                                   : &c->conf->n_get;
    unsigned attempt = 0;
    for (;;) {
        atomic_fetch_add(count, 1);
        struct curl_slist *hdrs = NULL;
        c->req = r;
        c->up_off = 0;
        c->status = 0;
        c->body_len = 0;
        c->body[0] = '\0';
        c->sink_failed = false;
        if (r->rewind != NULL && !r->rewind(r->sink_ctx)) {
            s3_fail(err, "cannot start again: %s", strerror(errno));
            break;
        }
        bool cancelled = false, again = false;
        if (!prepare(c, r, url, &hdrs)) {
            s3_fail(err, "out of memory");
        } else {
            CURLcode res = perform(c, &cancelled);
            curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->status);
            again = !cancelled && classify(c, res, err);
        }
        curl_slist_free_all(hdrs);
        if (!cancelled && (err->kind == S3E_NONE || !again || attempt >= c->conf->retries))
            break;
        if (!cancelled)
            atomic_fetch_add(&c->conf->n_retry, 1);
        if (cancelled || !backoff(c, ++attempt)) {
            err->kind = S3E_CANCELLED;
            snprintf(err->msg, sizeof err->msg, "cancelled");
            break;
        }
    }
    free(url);
    if (err->kind == S3E_NONE)
        return 0;
    if (attempt > 0 && err->kind != S3E_CANCELLED) {
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof err->msg - n, " (after %u %s)", attempt,
                 attempt == 1 ? "retry" : "retries");
    }
    return -1;
}

int s3_put(s3_client_t *c, const char *bucket, const char *key, const void *buf, size_t len,
           const char *content_type, const char *meta, s3_err_t *err)
{
    s3_req_t r = {.method = "PUT",
                  .bucket = bucket,
                  .key = key,
                  .body = buf ? buf : "",
                  .len = len,
                  .content_type = content_type,
                  .meta = meta};
    return s3_request(c, &r, err);
}

static bool fd_sink(void *ctx, const char *data, size_t n)
{
    return fd_write_full(*(int *)ctx, data, n) == 0;
}

static bool fd_rewind(void *ctx)
{
    int fd = *(int *)ctx;
    return ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0;
}

int s3_get(s3_client_t *c, const char *bucket, const char *key, int fd, s3_err_t *err)
{
    s3_req_t r = {.method = "GET",
                  .bucket = bucket,
                  .key = key,
                  .sink = fd_sink,
                  .rewind = fd_rewind,
                  .sink_ctx = &fd};
    return s3_request(c, &r, err);
}
