#include "decoder/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "decoder/proto.h"

extern char **environ;

void decoder_init(decoder_t *d, const decoder_cfg_t *cfg)
{
    *d = (decoder_t){.cfg = cfg};
    child_init(&d->child);
}

void decoder_destroy(decoder_t *d)
{
    child_reap(&d->child);
}

/* The decoder's environment: ours, with glibc's malloc held to two arenas (docs/DESIGN.md: glibc
 * fragments under threads) unless the user set MALLOC_ARENA_MAX. malloc'd array of borrowed
 * strings. */
static char **decoder_env(void)
{
    size_t n = 0;
    bool have = false;
    while (environ[n] != NULL)
        have |= strncmp(environ[n++], "MALLOC_ARENA_MAX=", 17) == 0;
    char **env = malloc((n + 3) * sizeof *env);
    if (env == NULL)
        return NULL;
    memcpy(env, environ, n * sizeof *env);
    if (!have)
        env[n++] = "MALLOC_ARENA_MAX=2";
    /* LibRaw is built with OpenMP: one thread per image too, unless the user says otherwise
     * (read by libgomp as the decoder starts, so it has to be in its environment). */
    if (getenv("OMP_NUM_THREADS") == NULL)
        env[n++] = "OMP_NUM_THREADS=1";
    env[n] = NULL;
    return env;
}

/* How a decoder that closed its socket ended, in words. */
static void describe_end(const decoder_t *d, int status, char *msg, size_t size)
{
    if (status >= 0 && WIFSIGNALED(status)) {
        const char *name = sigabbrev_np(WTERMSIG(status));
        if (name)
            snprintf(msg, size, "decoder crashed (SIG%s)", name);
        else
            snprintf(msg, size, "decoder crashed (signal %d)", WTERMSIG(status));
    } else if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == DEC_EXIT_OOM) {
        snprintf(msg, size, "out of memory (limit %llu MiB; see --max-memory)",
                 (unsigned long long)d->cfg->max_memory_mib);
    } else if (status >= 0 && WIFEXITED(status)) {
        snprintf(msg, size, "decoder exited unexpectedly with status %d", WEXITSTATUS(status));
    } else {
        snprintf(msg, size, "decoder vanished");
    }
}

int decoder_start(decoder_t *d, done_t *done, char *msg, size_t msg_size)
{
    if (child_running(&d->child))
        return 0;
    char *argv[] = {"thumbgen", DEC_ARG, NULL};
    char **env = decoder_env();
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    int rc = child_spawn(&d->child, d->cfg->exe, argv, env, devnull);
    if (devnull >= 0)
        close(devnull);
    free(env);
    if (rc != 0) {
        snprintf(msg, msg_size, "cannot start a decoder: %s", strerror(rc));
        return rc;
    }
    dec_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.magic = DEC_MAGIC;
    cfg.opts = *d->cfg->opts;
    cfg.max_memory_mib = d->cfg->max_memory_mib;
    dec_hello_t hello;
    rc = child_send(&d->child, &cfg, sizeof cfg, -1);
    /* Starting is not decoding: --timeout is for images, and a loaded machine (or a sanitizer
     * build) may take seconds to start libvips. */
    double start_s = d->cfg->timeout_s > DEC_START_TIMEOUT ? d->cfg->timeout_s : DEC_START_TIMEOUT;
    struct timespec dl = child_deadline(start_s);
    child_io_t io = rc == 0 ? child_recv(&d->child, &hello, sizeof hello, &dl, done) : CHILD_GONE;
    if (io == CHILD_OK && hello.magic == DEC_MAGIC && hello.sandbox[0] != '!') {
        hello.sandbox[sizeof hello.sandbox - 1] = '\0';
        memcpy(d->sandbox, hello.sandbox, sizeof d->sandbox);
        hello.vips[sizeof hello.vips - 1] = '\0';
        memcpy(d->vips, hello.vips, sizeof d->vips);
        d->started = true;
        return 0;
    }
    if (io == CHILD_OK)
        snprintf(msg, msg_size, "decoder refused to start: %.*s", (int)sizeof hello.sandbox - 1,
                 hello.sandbox + 1);
    else if (io == CHILD_TIMEOUT)
        snprintf(msg, msg_size, "decoder did not start within %g s", start_s);
    else if (io == CHILD_CANCELLED)
        snprintf(msg, msg_size, "cancelled");
    else
        describe_end(d, child_reap_exited(&d->child), msg, msg_size);
    child_reap(&d->child);
    return io == CHILD_CANCELLED ? ECANCELED : EIO;
}

/* Frees outs[0..n)'s buffers. */
static void free_outs(thumb_out_t *outs, int n)
{
    for (int i = 0; i < n; i++) {
        free(outs[i].buf);
        outs[i].buf = NULL;
    }
}

/* Reads a reply's message into err (DEC_MAX_ERR + 1 bytes) and its outputs into outs, which must
 * be nouts of them when it says made. Returns the child_io_t of the reads, or CHILD_GONE for a
 * reply that breaks the protocol (err says so; the decoder is then killed). */
static child_io_t read_payload(decoder_t *d, const dec_reply_t *r, thumb_out_t *outs, int nouts,
                               char *err, const struct timespec *dl, done_t *done)
{
    if (!dec_reply_valid(r, nouts)) {
        strcpy(err, "decoder sent a malformed answer");
        return CHILD_GONE;
    }
    child_io_t io = child_recv(&d->child, err, r->errlen, dl, done);
    err[io == CHILD_OK ? r->errlen : 0] = '\0';
    for (int i = 0; io == CHILD_OK && i < r->nouts; i++) {
        thumb_out_t *o = &outs[i];
        o->buf = malloc(r->len[i]);
        if (o->buf == NULL) {
            free_outs(outs, i);
            strcpy(err, "out of memory");
            return CHILD_GONE;
        }
        o->len = r->len[i];
        o->width = r->width[i];
        o->height = r->height[i];
        o->frames = r->frames[i] > 1 ? r->frames[i] : 0;
        io = child_recv(&d->child, o->buf, o->len, dl, done);
    }
    if (io != CHILD_OK)
        free_outs(outs, r->nouts);
    return io;
}

/* Reads the reply's payload into t. Returns as read_payload; t failed on CHILD_GONE. */
static child_io_t read_reply(decoder_t *d, task_t *t, const dec_reply_t *r,
                             const struct timespec *dl, done_t *done)
{
    char err[DEC_MAX_ERR + 1];
    child_io_t io = read_payload(d, r, t->outs, t->nouts, err, dl, done);
    if (io == CHILD_GONE)
        task_fail(t, TASK_FAILED, "%s", err);
    if (io != CHILD_OK)
        return io;
    t->meta = r->meta;
    if (r->status == DEC_STATUS_OOM) {
        task_fail(t, TASK_FAILED, "out of memory (limit %llu MiB; see --max-memory): %s",
                  (unsigned long long)d->cfg->max_memory_mib, err);
        t->limited = true;
    } else if (r->status == DEC_STATUS_NO_CODEC) { /* the install's fault: no verdict */
        task_fail(t, TASK_FAILED, "%s", err);
        t->unreadable = true;
    } else if (r->status == TASK_MADE)
        t->status = TASK_MADE;
    else if (r->status == TASK_SKIPPED || r->status == TASK_FAILED)
        task_fail(t, (task_status_t)r->status, "%s", err[0] ? err : "cannot be thumbnailed");
    else
        task_fail(t, TASK_FAILED, "decoder sent a malformed answer");
    return CHILD_OK;
}

/* Sends a request of this kind about t, with src (-1: none; closed here), starting a decoder
 * first if none runs; a decoder that died between files is noticed at the send, and another is
 * started once. Returns 0, ECANCELED, EPIPE (gone), or another errno value with msg. */
static int send_request(decoder_t *d, const task_t *t, int kind, int src, done_t *done, char *msg,
                        size_t msg_size)
{
    dec_request_t rq;
    memset(&rq, 0, sizeof rq);
    rq.magic = DEC_MAGIC;
    rq.kind = kind;
    const char *base = strrchr(t->rel, '/');
    snprintf(rq.name, sizeof rq.name, "%s", base ? base + 1 : t->rel);
    rq.mtime_s = t->mtime.tv_sec;
    rq.mtime_ns = t->mtime.tv_nsec;
    rq.size = t->size;
    size_t urilen = t->uri ? strlen(t->uri) : 0;
    rq.urilen = (uint32_t)(urilen > DEC_MAX_URI ? 0 : urilen);
    int rc = EPIPE;
    for (int attempt = 0; attempt < 2 && rc == EPIPE; attempt++) {
        if (attempt > 0)
            child_reap(&d->child);
        rc = decoder_start(d, done, msg, msg_size);
        if (rc != 0)
            break;
        rc = child_send(&d->child, &rq, sizeof rq, src);
        if (rc == 0 && rq.urilen > 0)
            rc = child_send(&d->child, t->uri, rq.urilen, -1);
    }
    if (src >= 0)
        close(src);
    return rc;
}

/* Has the decoder make the failure entry t->fail.dst names (a source it could not thumbnail) into
 * t->fail; leaves t->fail empty if it cannot. t's status is unchanged. */
static void fail_entry(decoder_t *d, task_t *t, done_t *done)
{
    char msg[DEC_MAX_ERR + 1];
    if (send_request(d, t, DEC_REQ_FAIL_ENTRY, -1, done, msg, sizeof msg) != 0)
        return;
    struct timespec dl = child_deadline(d->cfg->timeout_s);
    dec_reply_t r;
    thumb_out_t out = {0};
    child_io_t io = child_recv(&d->child, &r, sizeof r, &dl, done);
    if (io == CHILD_OK)
        io = read_payload(d, &r, &out, 1, msg, &dl, done);
    if (io != CHILD_OK)
        child_reap(&d->child);
    else if (r.status == TASK_MADE)
        t->fail.buf = out.buf, t->fail.len = out.len;
}

/* Thumbnails src in the decoder; see decoder_make. */
static decode_result_t make(decoder_t *d, task_t *t, int src, done_t *done)
{
    char msg[256];
    int rc = send_request(d, t, DEC_REQ_THUMB, src, done, msg, sizeof msg);
    if (rc == ECANCELED)
        return DECODE_CANCELLED;
    if (rc != 0 && rc != EPIPE) {
        task_fail(t, TASK_FAILED, "%s", msg);
        return DECODE_NO_DECODER;
    }
    struct timespec dl = child_deadline(d->cfg->timeout_s);
    dec_reply_t r;
    child_io_t io = rc == 0 ? child_recv(&d->child, &r, sizeof r, &dl, done) : CHILD_GONE;
    if (io == CHILD_OK)
        io = read_reply(d, t, &r, &dl, done);
    switch (io) {
    case CHILD_OK:
        return DECODE_SETTLED;
    case CHILD_CANCELLED:
        child_reap(&d->child);
        return DECODE_CANCELLED;
    case CHILD_TIMEOUT:
        child_reap(&d->child);
        task_fail(t, TASK_FAILED, "timed out after %g s (see --timeout)", d->cfg->timeout_s);
        t->limited = true;
        return DECODE_SETTLED;
    case CHILD_GONE:
    default:
        if (t->status != TASK_FAILED) {
            int status = child_reap_exited(&d->child);
            describe_end(d, status, msg, sizeof msg);
            task_fail(t, TASK_FAILED, "%s", msg);
            t->limited = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == DEC_EXIT_OOM;
        }
        child_reap(&d->child);
        return DECODE_SETTLED;
    }
}

decode_result_t decoder_make(decoder_t *d, task_t *t, int src, done_t *done)
{
    decode_result_t r = src >= 0 ? make(d, t, src, done) : DECODE_SETTLED;
    /* A store that records failures named a record for a source that could be read but not
     * thumbnailed: the cache's PNG (made by the decoder: it carries the uri) whatever stopped it
     * (a bad file, a crash, a time-out), as the standard asks; else the reason in words, only
     * where the bytes are to blame: a time-out or the memory limit may pass with other options
     * (--timeout, --max-memory), which a record keyed to the source would not see. One that
     * records "not an image" too (skip_dst) gets the same words for a source its decoder
     * skipped. */
    bool skipped = t->status == TASK_SKIPPED && t->skip_dst != NULL && t->reason == NULL;
    if (r != DECODE_SETTLED || t->unreadable ||
        !(skipped || (t->status == TASK_FAILED && t->fail.dst != NULL)))
        return r;
    char *text = NULL;
    if (t->uri != NULL && !skipped)
        fail_entry(d, t, done);
    else if (!t->limited &&
             asprintf(&text, "%s: %s\n", t->rel, t->error ? t->error : "failed") >= 0)
        t->fail.buf = text, t->fail.len = strlen(text);
    return r;
}
