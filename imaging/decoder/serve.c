#include "decoder/serve.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vips/vips.h>

#include "pipeline/child.h"
#include "pipeline/fdio.h"
#include "decoder/proto.h"
#include "decoder/cachepng.h"
#include "decoder/codec.h"
#include "decoder/sandbox.h"
#include "core/task.h"
#include "decoder/thumbnail.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TG_SANITIZED 1 /* sanitizer runtimes reserve terabytes of address space */
#else
#define TG_SANITIZED 0
#endif

static int sock = CHILD_FD;
decoder_hook_fn decoder_test_hook;

/* GLib ends the process when an allocation fails (g_error); say why first. */
static void fatal_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain, (void)level, (void)data;
    _exit(msg && strstr(msg, "allocate") ? DEC_EXIT_OOM : 70);
}

/* True when libvips' message says an allocation failed. */
static bool says_oom(const char *msg)
{
    static const char *const words[] = {"out of memory",
                                        "Out of memory",
                                        "Insufficient memory",
                                        "Cannot allocate memory",
                                        "memory allocation failed",
                                        "failed to allocate"};
    for (size_t i = 0; msg && i < sizeof words / sizeof words[0]; i++)
        if (strstr(msg, words[i]))
            return true;
    return false;
}

static int reply(const task_t *t, const char *err)
{
    dec_reply_t r;
    memset(&r, 0, sizeof r);
    r.magic = DEC_MAGIC;
    r.status = (int32_t)t->status;
    if (t->status == TASK_FAILED && says_oom(err))
        r.status = DEC_STATUS_OOM;
    else if (t->status == TASK_FAILED && t->unreadable) /* codec_make: its module did not load */
        r.status = DEC_STATUS_NO_CODEC;
    size_t elen = err ? strlen(err) : 0;
    r.errlen = (uint32_t)(elen > DEC_MAX_ERR ? DEC_MAX_ERR : elen);
    r.nouts = t->status == TASK_MADE ? t->nouts : 0;
    r.meta = t->meta;
    for (int i = 0; i < r.nouts; i++) {
        r.width[i] = t->outs[i].width;
        r.height[i] = t->outs[i].height;
        r.frames[i] = t->outs[i].frames;
        r.len[i] = t->outs[i].len;
    }
    int rc = fd_write_full(sock, &r, sizeof r);
    if (rc == 0 && r.errlen)
        rc = fd_write_full(sock, err, r.errlen);
    for (int i = 0; rc == 0 && i < r.nouts; i++)
        rc = fd_write_full(sock, t->outs[i].buf, t->outs[i].len);
    return rc;
}

/* One request: thumbnail the descriptor src (libvips reads it directly; the path names it for
 * the few loaders that need a file name); or make a failure entry (src -1). */
static int handle(const dec_config_t *cfg, const dec_request_t *rq, char *uri, int src)
{
    char path[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", src);
    task_t t = {.src = path,
                .fd = src, /* still ours: the request loop closes it */
                .rel = rq->name,
                .uri = uri,
                .mtime = {.tv_sec = rq->mtime_s, .tv_nsec = rq->mtime_ns},
                .size = rq->size};
    if (rq->kind == DEC_REQ_FAIL_ENTRY) {
        t.nouts = 1;
        cachepng_fail_entry(&t);
        t.outs[0] = t.fail; /* the reply's one output */
        t.fail.buf = NULL;
    } else {
        t.nouts = cfg->opts.nsizes;
        char *probe = decoder_test_hook
                          ? decoder_test_hook(src, TG_SANITIZED ? 0 : cfg->max_memory_mib)
                          : NULL;
        if (probe != NULL)
            task_fail(&t, TASK_FAILED, "%s", probe);
        else
            codec_make(&cfg->opts, &t);
        free(probe);
    }
    int rc = reply(&t, t.error);
    thumb_release(&t);
    free(t.error);
    vips_error_clear();
    return rc;
}

int decoder_serve(const char *argv0)
{
    /* Die with the worker thread that started us, even if it could not kill us. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        return 1;
    dec_config_t cfg;
    if (child_read(sock, &cfg, sizeof cfg, NULL) != 0 || cfg.magic != DEC_MAGIC) {
        fprintf(stderr, "thumbgen: %s is for thumbgen's own use\n", DEC_ARG);
        return 2;
    }
    /* Keep freed memory for the next image instead of handing it back to the kernel after each
     * one: with glibc's defaults a decoder's large pixel buffers are mmapped, unmapped and faulted
     * in again (zeroed) for every image; these settings took page faults from ~140 to ~27 per
     * small photo and the 400-photo workload's time down by 8%. The peak is unchanged: it is the
     * largest image's working set either way, and --max-memory still bounds it. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
    /* Decode to memory, never to temporary files (the sandbox forbids creating them); the memory
     * limit bounds it instead. */
    setenv("VIPS_DISC_THRESHOLD", "1000000m", 1);
    if (VIPS_INIT(argv0) != 0)
        return 1;
    thumb_global_setup(1);
    codec_setup(cfg.max_memory_mib);
    g_log_set_handler("GLib", G_LOG_LEVEL_ERROR | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                      fatal_log, NULL);
    if (!TG_SANITIZED && cfg.max_memory_mib > 0) {
        struct rlimit rl;
        rl.rlim_cur = rl.rlim_max = (rlim_t)cfg.max_memory_mib << 20;
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            return 1;
    }
    dec_hello_t hello;
    memset(&hello, 0, sizeof hello);
    hello.magic = DEC_MAGIC;
    snprintf(hello.vips, sizeof hello.vips, "%s", vips_version_string());
    int rc = sandbox_apply(hello.sandbox, sizeof hello.sandbox);
    if (rc != 0)
        snprintf(hello.sandbox, sizeof hello.sandbox, "!cannot apply the sandbox: %s",
                 strerror(rc));
    if (fd_write_full(sock, &hello, sizeof hello) != 0 || rc != 0)
        return 1;
    for (;;) {
        dec_request_t rq;
        int src = -1;
        if (child_read(sock, &rq, sizeof rq, &src) != 0 || rq.magic != DEC_MAGIC)
            break;
        rq.name[sizeof rq.name - 1] = '\0';
        char *uri = NULL;
        if (rq.urilen > DEC_MAX_URI || (rq.kind == DEC_REQ_THUMB) != (src >= 0))
            rc = EPROTO;
        else if (rq.urilen > 0 && (uri = calloc(1, rq.urilen + 1)) == NULL)
            rc = ENOMEM;
        else if (rq.urilen > 0)
            rc = child_read(sock, uri, rq.urilen, NULL);
        else
            rc = 0;
        if (rc == 0)
            rc = handle(&cfg, &rq, uri, src);
        free(uri);
        if (src >= 0)
            close(src);
        if (rc != 0)
            break;
    }
    vips_thread_shutdown();
    vips_shutdown();
    return 0;
}
