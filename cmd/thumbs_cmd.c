#include "thumbs_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "opts.h"
#include "thumbs_args.h"
#include "signals.h"
#include "worker.h"
#include <vips/vips.h>

/* DST as output paths start: without trailing slashes (but "/" stays). malloc'd. */
static char *trim_slashes(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return strndup(path, n);
}

/* True when path is folder or lies beneath it (both resolved). */
static bool inside(const char *path, const char *folder)
{
    char p[PATH_MAX], f[PATH_MAX];
    if (realpath(path, p) == NULL || realpath(folder, f) == NULL)
        return false;
    size_t n = strlen(f);
    return strncmp(p, f, n) == 0 && (p[n] == '\0' || p[n] == '/' || n == 1);
}

/* Opens the store and the source: setup errors end the run with status 2 before any work (SRC
 * missing, DST not writable or SRC itself, S3 credentials, bucket or endpoint refused). */
static bool setup(thumbs_args_t *a, s3_conf_t *s3)
{
    char err[512];
    if (a->freedesktop && s3_is_url(a->src)) {
        tg_error("%s: --freedesktop needs a local SRC (the cache knows files by file:// URI)",
                 a->src);
        return false;
    }
    bool remote = s3_is_url(a->src) || s3_is_url(a->cfg.dst);
    if (remote && s3_conf_from_env(s3, err, sizeof err) != 0) {
        tg_error("%s", err);
        return false;
    }
    s3->retries = a->retries;
    /* The source first: a missing SRC is reported before DST is created. */
    unsigned io = a->cfg.jobs * 2 < 4 ? 4 : a->cfg.jobs * 2 > 64 ? 64 : a->cfg.jobs * 2;
    source_cfg_t ccfg = {.src = a->src,
                         .dst = a->cfg.dst,
                         .files_from = a->files_from,
                         .list_sep = a->list_sep,
                         .follow_symlinks = a->follow_symlinks,
                         .fetchers = io,
                         .s3 = s3};
    a->cfg.source = source_open(&ccfg, err, sizeof err);
    if (a->cfg.source == NULL) {
        tg_error("%s: %s", a->src, err);
        return false;
    }
    store_cfg_t scfg = {.freedesktop = a->freedesktop, .fsync = a->fsync, .writers = io, .s3 = s3};
    a->cfg.store = store_open(a->cfg.dst, &scfg, err, sizeof err);
    if (a->cfg.store == NULL) {
        tg_error("%s: %s", a->cfg.dst, err);
        return false;
    }
    if (a->freedesktop && inside(a->src, a->cfg.dst)) {
        tg_error("%s: is inside the thumbnail cache %s (thumbnails are never made of thumbnails)",
                 a->src, a->cfg.dst);
        return false;
    }
    struct stat s, d;
    char *sb = NULL, *sp = NULL, *db = NULL, *dp = NULL;
    bool same = s3_is_url(a->src)
                    ? s3_parse_url(a->src, &sb, &sp) && s3_parse_url(a->cfg.dst, &db, &dp) &&
                          strcmp(sb, db) == 0 && strcmp(sp, dp) == 0
                    : stat(a->src, &s) == 0 && stat(a->cfg.dst, &d) == 0 && d.st_dev == s.st_dev &&
                          d.st_ino == s.st_ino;
    free(sb), free(sp), free(db), free(dp);
    if (same) {
        tg_error("%s: DST must not be SRC (thumbnails would replace the originals)", a->cfg.dst);
        return false;
    }
    return true;
}

/* With --stats: the S3 requests the run made, and per image made. */
static void print_requests(const s3_conf_t *s3, const reporter_t *rep)
{
    uint64_t l = s3->n_list, g = s3->n_get, p = s3->n_put, r = s3->n_retry;
    uint64_t made = rep->counts[TASK_MADE];
    fprintf(stderr,
            "S3 requests: %llu LIST, %llu GET, %llu PUT, %llu retried; %.2f per image made\n",
            (unsigned long long)l, (unsigned long long)g, (unsigned long long)p,
            (unsigned long long)r, made ? (double)(l + g + p) / (double)made : 0.0);
}

static int run(thumbs_args_t *ap, s3_conf_t *s3);

int thumbs_main(int argc, char **argv)
{
    thumbs_args_t a;
    int p = thumbs_parse(argc, argv, &a);
    if (p != 0) {
        if (p > 0)
            thumbs_usage(stdout);
        return p > 0 ? 0 : 2;
    }
    char *dst = a.freedesktop ? freedesktop_root() : trim_slashes(a.cfg.dst);
    if (dst == NULL && a.freedesktop) {
        tg_error("--freedesktop: cannot tell where the thumbnail cache is (neither "
                 "XDG_CACHE_HOME nor HOME is set)");
        return 2;
    }
    s3_conf_t s3;
    memset(&s3, 0, sizeof s3);
    a.cfg.dst = dst;
    int status = run(&a, &s3);
    store_close(a.cfg.store);
    source_close(a.cfg.source);
    s3_conf_free(&s3);
    free(dst);
    return status;
}

/* The run proper, once the arguments are known: setup, pipeline, summary. */
static int run(thumbs_args_t *ap, s3_conf_t *s3)
{
    if (ap->cfg.dst == NULL || !setup(ap, s3))
        return 2;
    thumbs_args_t a = *ap;
    reporter_t rep;
    if (reporter_init(&rep, a.manifest, isatty(STDERR_FILENO), a.quiet) != 0) {
        tg_error("%s: cannot create manifest: %s", a.manifest, strerror(errno));
        return 2;
    }

    done_t done;
    done_init(&done);
    sigwatch_t sw;
    if (signals_start(&sw, &done, store_folder_emergency_cleanup, NULL) != 0) {
        tg_error("cannot start the signal thread");
        reporter_close(&rep);
        done_destroy(&done);
        return 2;
    }
    s3->done = &done;
    batch_result_t res;
    int rc = batch_run(&a.cfg, &done, &rep, &res);
    bool interrupted = signals_interrupted(&sw);
    signals_stop(&sw);
    done_destroy(&done);

    reporter_summary(&rep, interrupted);
    s3->done = NULL;
    if (a.stats)
        stats_print(stderr, res.stats, res.nstats);
    if (a.stats && s3->access_key != NULL)
        print_requests(s3, &rep);
    free(res.stats);
    uint64_t failed = rep.counts[TASK_FAILED];
    if (reporter_close(&rep) != 0) {
        tg_error("%s: error writing the manifest", a.manifest);
        failed++;
    }
    if (rc != 0) {
        if (res.fatal != NULL)
            tg_error("%s", res.fatal);
        else
            tg_error("could not start the pipeline (out of memory or threads)");
        free(res.fatal);
        return 2;
    }
    if (interrupted)
        return 130;
    return failed > 0 ? 1 : 0;
}

int thumbs_version(void)
{
    printf("thumbgen %s (libvips %s)\n", TG_VERSION, vips_version_string());
    thumb_opts_t o;
    thumb_opts_default(&o);
    decoder_cfg_t cfg = {.opts = &o,
                         .timeout_s = DEC_DEFAULT_TIMEOUT,
                         .max_memory_mib = DEC_DEFAULT_MAX_MEMORY,
                         .exe = "/proc/self/exe"};
    decoder_t d;
    decoder_init(&d, &cfg);
    char msg[256];
    int rc = decoder_start(&d, NULL, msg, sizeof msg);
    if (rc == 0)
        printf("decoders: one process per worker; sandbox: %s\n", d.sandbox);
    else
        printf("decoders: cannot start one here: %s\n", msg);
    decoder_destroy(&d);
    return rc == 0 ? 0 : 2;
}
