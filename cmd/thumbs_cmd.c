#include "thumbs_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "opts.h"
#include "signals.h"
#include "worker.h"
#include <vips/vips.h>

void thumbs_usage(FILE *f)
{
    fprintf(
        f,
        "Usage: thumbgen SRC DST [options]\n"
        "       SRC and DST are folders or s3://BUCKET[/PREFIX], in any combination\n"
        "       thumbgen primes [options]   (the pipeline benchmark; see thumbgen primes --help)\n"
        "\n"
        "Makes a thumbnail of every image under SRC (a folder, walked recursively, or one file)\n"
        "into a mirrored tree under DST: SRC/a/b/c.png -> DST/a/b/c.jpg. Outputs that exist and\n"
        "are not older than their source are skipped; every save is atomic.\n"
        "\n"
        "  -s, --size SIZE       box to fit, vipsthumbnail's syntax: 256 (256x256 box), 256x\n"
        "                        (width), x256 (height), 320x200 (box); default 256. Several,\n"
        "                        comma-separated (128,512,1024), decode once and go to "
        "DST/<SIZE>/\n"
        "      --crop MODE       none (default), centre, attention or entropy: fill the box\n"
        "                        exactly and crop the overflow\n"
        "  -f, --format FMT      jpeg (default), webp, avif or png\n"
        "  -q, --quality Q       encoder quality 1-100 (default 80; ignored for png)\n"
        "      --background C    colour that alpha is flattened onto for JPEG: white (default),\n"
        "                        black, #rrggbb or R,G,B\n"
        "      --keep-metadata   keep EXIF/XMP/IPTC metadata (default: strip it, GPS included)\n"
        "      --no-rotate       do not apply the EXIF orientation\n"
        "      --upscale         enlarge images smaller than the box\n"
        "      --force           remake outputs even when up to date\n"
        "      --max-pixels N    refuse images of more than N pixels before decoding\n"
        "                        (default 268402689)\n"
        "      --timeout SECONDS time allowed to decode one image (default 60); past it the\n"
        "                        file fails and its decoder is replaced\n"
        "      --max-memory MIB  address space per decoder process (default 2048, at least\n"
        "                        256; 0: no limit); an image that needs more fails as\n"
        "                        'out of memory'\n"
        "      --follow-symlinks follow symbolic links (loops are detected); default: skip them\n"
        "      --fsync           fsync each thumbnail before renaming it into place\n"
        "  -j, --jobs N          resize workers (default: online CPUs)\n"
        "      --files-from FILE thumbnail the paths FILE lists (relative to SRC; - for\n"
        "                        stdin), one per line, as they arrive, instead of walking SRC\n"
        "  -0, --null            --files-from entries end with NUL, not newline (find -print0)\n"
        "      --shard K/N       take only the sources whose relative path's FNV-1a 64-bit\n"
        "                        hash is K modulo N (0 <= K < N): N runs, K = 0..N-1, on any\n"
        "                        machines, cover every source exactly once\n"
        "      --retries N       S3: attempts after a failed request (connection errors, 5xx,\n"
        "                        429, SlowDown), with exponential backoff; default 3\n"
        "      --manifest FILE   write one JSON object per source (JSON Lines): src, status\n"
        "                        (made, up_to_date, skipped, failed), dst, width, height,\n"
        "                        bytes, error\n"
        "      --stats           print per-stage busy/blocked/starved times at the end\n"
        "      --quiet           no progress bar and no summary; failures are still reported\n"
        "  -h, --help            this help;  --version  the version\n"
        "\n"
        "Each worker decodes in its own sandboxed process (no network, no exec, no writing\n"
        "files; see --version): a file that crashes, hangs or exhausts its decoder fails\n"
        "alone and the batch carries on. Nothing is written through a symbolic link found\n"
        "inside DST. When several sources map to one output (a.png and a.gif -> a.jpg),\n"
        "the one whose name has an image extension and sorts first byte by byte owns it;\n"
        "the others fail, naming it, on every run.\n"
        "\n"
        "S3 (SRC or DST s3://BUCKET[/PREFIX]) reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,\n"
        "AWS_SESSION_TOKEN, AWS_REGION or AWS_DEFAULT_REGION (default us-east-1), and\n"
        "AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for S3-compatible servers (path-style).\n"
        "An object is up to date when its Last-Modified is not before its source's time\n"
        "(to the second); a rerun with nothing to do lists DST once per folder and writes\n"
        "nothing.\n"
        "\n"
        "Failures are reported as 'thumbgen: PATH: reason' on stderr while the other files carry\n"
        "on. Exit status: 0 all made or up to date, 1 some inputs failed, 2 usage or setup\n"
        "error, 130 interrupted (Ctrl-C once stops cleanly; twice stops at once, still leaving\n"
        "no partial file).\n");
}

enum {
    OPT_CROP = 256,
    OPT_BACKGROUND,
    OPT_KEEP,
    OPT_NOROTATE,
    OPT_UPSCALE,
    OPT_FORCE,
    OPT_MAXPIX,
    OPT_MANIFEST,
    OPT_QUIET,
    OPT_FOLLOW,
    OPT_FSYNC,
    OPT_STATS,
    OPT_TIMEOUT,
    OPT_MAXMEM,
    OPT_FILES_FROM,
    OPT_SHARD,
    OPT_RETRIES,
};

typedef struct {
    batch_cfg_t cfg;
    const char *src, *manifest, *files_from;
    char list_sep;
    bool quiet, stats, follow_symlinks, fsync;
    unsigned retries;
} thumbs_args_t;

/* "K/N" with 0 <= K < N <= 2^32 - 1. */
static bool parse_shard(const char *text, uint32_t *k, uint32_t *n)
{
    const char *slash = strchr(text, '/');
    uint64_t kk, nn;
    if (slash == NULL || slash - text > 10)
        return false;
    char kbuf[16];
    memcpy(kbuf, text, (size_t)(slash - text));
    kbuf[slash - text] = '\0';
    if (!parse_u64(kbuf, 0, UINT32_MAX, &kk) || !parse_u64(slash + 1, 1, UINT32_MAX, &nn) ||
        kk >= nn)
        return false;
    *k = (uint32_t)kk;
    *n = (uint32_t)nn;
    return true;
}

/* Parses argv into a; returns -1 for a usage error (reported), 1 for --help, 0 to run. */
static int parse_args(int argc, char **argv, thumbs_args_t *a)
{
    static const struct option longopts[] = {
        {"size", required_argument, NULL, 's'},
        {"crop", required_argument, NULL, OPT_CROP},
        {"format", required_argument, NULL, 'f'},
        {"quality", required_argument, NULL, 'q'},
        {"background", required_argument, NULL, OPT_BACKGROUND},
        {"keep-metadata", no_argument, NULL, OPT_KEEP},
        {"no-rotate", no_argument, NULL, OPT_NOROTATE},
        {"upscale", no_argument, NULL, OPT_UPSCALE},
        {"force", no_argument, NULL, OPT_FORCE},
        {"max-pixels", required_argument, NULL, OPT_MAXPIX},
        {"manifest", required_argument, NULL, OPT_MANIFEST},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"follow-symlinks", no_argument, NULL, OPT_FOLLOW},
        {"fsync", no_argument, NULL, OPT_FSYNC},
        {"stats", no_argument, NULL, OPT_STATS},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"max-memory", required_argument, NULL, OPT_MAXMEM},
        {"jobs", required_argument, NULL, 'j'},
        {"files-from", required_argument, NULL, OPT_FILES_FROM},
        {"null", no_argument, NULL, '0'},
        {"shard", required_argument, NULL, OPT_SHARD},
        {"retries", required_argument, NULL, OPT_RETRIES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    thumb_opts_default(&a->cfg.opts);
    a->cfg.jobs = online_cpus();
    a->cfg.timeout_s = DEC_DEFAULT_TIMEOUT;
    a->cfg.max_memory_mib = DEC_DEFAULT_MAX_MEMORY;
    a->list_sep = '\n';
    a->retries = 3;
    optind = 1;
    opterr = 0;
    int c, li = -1;
    uint64_t v;
    char name[64];
    thumb_opts_t *o = &a->cfg.opts;
    while ((li = -1, c = getopt_long(argc, argv, ":s:f:q:j:h0", longopts, &li)) != -1) {
        bool ok = true;
        switch (c) {
        case 's':
            ok = parse_size_list(optarg, o);
            break;
        case OPT_CROP:
            ok = parse_crop(optarg, &o->crop);
            break;
        case 'f':
            ok = parse_format(optarg, &o->format);
            break;
        case 'q':
            ok = parse_u64(optarg, 1, 100, &v);
            o->quality = (int)v;
            break;
        case OPT_BACKGROUND:
            ok = parse_colour(optarg, o->background);
            break;
        case OPT_KEEP:
            o->keep_metadata = true;
            break;
        case OPT_NOROTATE:
            o->no_rotate = true;
            break;
        case OPT_UPSCALE:
            o->upscale = true;
            break;
        case OPT_FORCE:
            a->cfg.force = true;
            break;
        case OPT_MAXPIX:
            ok = parse_u64(optarg, 1, UINT64_MAX, &o->max_pixels);
            break;
        case OPT_MANIFEST:
            a->manifest = optarg;
            break;
        case OPT_QUIET:
            a->quiet = true;
            break;
        case OPT_FOLLOW:
            a->follow_symlinks = true;
            break;
        case OPT_FSYNC:
            a->fsync = true;
            break;
        case OPT_FILES_FROM:
            a->files_from = optarg;
            break;
        case '0':
            a->list_sep = '\0';
            break;
        case OPT_SHARD:
            ok = parse_shard(optarg, &a->cfg.shard_k, &a->cfg.shard_n);
            break;
        case OPT_RETRIES:
            ok = parse_u64(optarg, 0, 100, &v);
            a->retries = (unsigned)v;
            break;
        case OPT_STATS:
            a->stats = true;
            break;
        case OPT_TIMEOUT:
            ok = parse_u64(optarg, 1, 86400, &v);
            a->cfg.timeout_s = (double)v;
            break;
        case OPT_MAXMEM:
            ok = parse_u64(optarg, 0, 1 << 30, &a->cfg.max_memory_mib);
            if (ok && a->cfg.max_memory_mib > 0 && a->cfg.max_memory_mib < DEC_MIN_MAX_MEMORY)
                ok = false; /* a decoder needs this much address space just to start */
            break;
        case 'j':
            ok = parse_u64(optarg, 1, 1024, &v);
            a->cfg.jobs = (unsigned)v;
            break;
        case 'h':
            return 1;
        case ':':
            tg_error("option %s needs a value (see thumbgen --help)", argv[optind - 1]);
            return -1;
        default:
            tg_error("unknown option %s (see thumbgen --help)", argv[optind - 1]);
            return -1;
        }
        if (!ok) {
            tg_error("bad value '%s' for %s (see thumbgen --help)", optarg,
                     opt_name(longopts, li, c, name, sizeof name));
            return -1;
        }
    }
    if (argc - optind != 2) {
        tg_error("%s (see thumbgen --help)",
                 argc - optind < 2 ? "expected SRC and DST" : "too many arguments");
        return -1;
    }
    a->src = argv[optind];
    a->cfg.dst = argv[optind + 1];
    return 0;
}

/* DST as output paths start: without trailing slashes (but "/" stays). malloc'd. */
static char *trim_slashes(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return strndup(path, n);
}

/* Opens the store and the source: setup errors end the run with status 2 before any work (SRC
 * missing, DST not writable or SRC itself, S3 credentials, bucket or endpoint refused). */
static bool setup(thumbs_args_t *a, s3_conf_t *s3)
{
    char err[512];
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
    store_cfg_t scfg = {.fsync = a->fsync, .writers = io, .s3 = s3};
    a->cfg.store = store_open(a->cfg.dst, &scfg, err, sizeof err);
    if (a->cfg.store == NULL) {
        tg_error("%s: %s", a->cfg.dst, err);
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
    int p = parse_args(argc, argv, &a);
    if (p != 0) {
        if (p > 0)
            thumbs_usage(stdout);
        return p > 0 ? 0 : 2;
    }
    char *dst = trim_slashes(a.cfg.dst);
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
