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
#include "saver.h"
#include "signals.h"
#include "worker.h"
#include <vips/vips.h>

void thumbs_usage(FILE *f)
{
    fprintf(
        f,
        "Usage: thumbgen SRC DST [options]\n"
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
};

typedef struct {
    batch_cfg_t cfg;
    const char *manifest;
    bool quiet, stats;
} thumbs_args_t;

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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    thumb_opts_default(&a->cfg.opts);
    a->cfg.jobs = online_cpus();
    a->cfg.timeout_s = DEC_DEFAULT_TIMEOUT;
    a->cfg.max_memory_mib = DEC_DEFAULT_MAX_MEMORY;
    optind = 1;
    opterr = 0;
    int c, li = -1;
    uint64_t v;
    char name[64];
    thumb_opts_t *o = &a->cfg.opts;
    while ((li = -1, c = getopt_long(argc, argv, ":s:f:q:j:h", longopts, &li)) != -1) {
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
            a->cfg.follow_symlinks = true;
            break;
        case OPT_FSYNC:
            a->cfg.fsync = true;
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
    a->cfg.src = argv[optind];
    a->cfg.dst = argv[optind + 1];
    return 0;
}

/* Setup checks that end the run with status 2 before any work: SRC exists, DST is (or can be
 * made) a writable folder that is not SRC itself. */
static bool setup(const batch_cfg_t *cfg)
{
    struct stat s, d;
    if (stat(cfg->src, &s) != 0) {
        tg_error("%s: %s", cfg->src, strerror(errno));
        return false;
    }
    if (!S_ISDIR(s.st_mode) && !S_ISREG(s.st_mode)) {
        tg_error("%s: not a folder or a regular file", cfg->src);
        return false;
    }
    int rc = make_dirs(cfg->dst);
    if (rc != 0) {
        tg_error("%s: cannot create: %s", cfg->dst, strerror(rc));
        return false;
    }
    if (stat(cfg->dst, &d) == 0 && d.st_dev == s.st_dev && d.st_ino == s.st_ino) {
        tg_error("%s: DST must not be SRC (thumbnails would replace the originals)", cfg->dst);
        return false;
    }
    /* A real write: access(2) says yes to root on a read-only folder. */
    size_t n = strlen(cfg->dst) + sizeof "/.thumbgen-probe-XXXXXX";
    char *probe = malloc(n);
    if (probe == NULL)
        return false;
    snprintf(probe, n, "%s/.thumbgen-probe-XXXXXX", cfg->dst);
    int fd = mkstemp(probe);
    if (fd < 0) {
        tg_error("%s: not writable: %s", cfg->dst, strerror(errno));
        free(probe);
        return false;
    }
    close(fd);
    unlink(probe);
    free(probe);
    return true;
}

int thumbs_main(int argc, char **argv)
{
    thumbs_args_t a;
    int p = parse_args(argc, argv, &a);
    if (p != 0) {
        if (p > 0)
            thumbs_usage(stdout);
        return p > 0 ? 0 : 2;
    }
    if (!setup(&a.cfg))
        return 2;
    reporter_t rep;
    if (reporter_init(&rep, a.manifest, isatty(STDERR_FILENO), a.quiet) != 0) {
        tg_error("%s: cannot create manifest: %s", a.manifest, strerror(errno));
        return 2;
    }

    done_t done;
    done_init(&done);
    sigwatch_t sw;
    if (signals_start(&sw, &done, saver_emergency_cleanup, NULL) != 0) {
        tg_error("cannot start the signal thread");
        reporter_close(&rep);
        done_destroy(&done);
        return 2;
    }
    batch_result_t res;
    int rc = batch_run(&a.cfg, &done, &rep, &res);
    bool interrupted = signals_interrupted(&sw);
    signals_stop(&sw);
    done_destroy(&done);

    reporter_summary(&rep, interrupted);
    if (a.stats)
        stats_print(stderr, res.stats, res.nstats);
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
