#include "thumbs_args.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "opts.h"

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
    OPT_FREEDESKTOP,
    OPT_NAME,
    OPT_RAW,
    OPT_RESIZE_PATH,
    OPT_VIDEO_AT,
    OPT_NO_VIDEO,
    OPT_ANIMATED,
    OPT_PRUNE,
    OPT_PRUNE_MAX,
    OPT_DRY_RUN,
    OPT_WATCH,
    OPT_HTML,
    OPT_PLACEHOLDER,
};

/* "K/N" with 0 <= K < N <= 2^32 - 1. */
static bool parse_shard(const char *text, uint32_t *k, uint32_t *n)
{
    const char *slash = strchr(text, '/');
    uint64_t kk, nn;
    if (slash == NULL || slash - text > 10)
        return false;
    char kbuf[16];
    snprintf(kbuf, sizeof kbuf, "%.*s", (int)(slash - text), text);
    if (!parse_u64(kbuf, 0, UINT32_MAX, &kk) || !parse_u64(slash + 1, 1, UINT32_MAX, &nn) ||
        kk >= nn)
        return false;
    *k = (uint32_t)kk;
    *n = (uint32_t)nn;
    return true;
}

/* "N" (a count) or "P%" (0-100 percent of what the store holds). */
static bool parse_prune_max(const char *text, batch_cfg_t *cfg)
{
    size_t n = strlen(text);
    bool pct = n > 1 && text[n - 1] == '%';
    char buf[32];
    if (n >= sizeof buf)
        return false;
    snprintf(buf, sizeof buf, "%.*s", (int)(pct ? n - 1 : n), text);
    cfg->prune_max_percent = pct;
    return parse_u64(buf, 0, pct ? 100 : UINT64_MAX, &cfg->prune_max);
}

/* The cache store's form of DST, which --freedesktop stands for. */
#define CACHE_DST "freedesktop:"

/* What each option with a value expects, for the message when a value is refused. */
static const char *expects(int c, bool freedesktop)
{
    switch (c) {
    case 's':
        return freedesktop ? "flavours, comma-separated: normal, large, x-large, xx-large"
                           : "a box such as 256, 256x, x256 or 320x200 (sides 1-100000), or "
                             "up to 8 different ones, comma-separated";
    case OPT_CROP:
        return "none, centre, attention or entropy";
    case 'f':
        return "jpeg, webp, avif, png or gif";
    case 'q':
        return "a whole number from 1 to 100";
    case OPT_BACKGROUND:
        return "white, black, #rrggbb or R,G,B (each 0-255)";
    case OPT_MAXPIX:
        return "a whole number of pixels, at least 1";
    case OPT_TIMEOUT:
        return "whole seconds from 1 to 86400";
    case OPT_MAXMEM:
        return "MiB from 384 to 1073741824, or 0 for no limit";
    case 'j':
        return "a whole number from 1 to 1024";
    case OPT_SHARD:
        return "K/N with 0 <= K < N, such as 0/4";
    case OPT_RETRIES:
        return "a whole number from 0 to 100";
    case OPT_RAW:
        return "auto, preview or develop";
    case OPT_RESIZE_PATH:
        return "auto or libvips";
    case OPT_VIDEO_AT:
        return "a percentage of the clip's length such as 25%, or seconds such as 12.5";
    case OPT_PRUNE_MAX:
        return "a number of thumbnails such as 1000, or a percentage such as 50%";
    case OPT_NAME:
        return "a template with %s in it, no slash, and only the tokens %s, %e, %z and %%";
    case OPT_PLACEHOLDER:
        return "thumbhash, blurhash, thumbhash,blurhash or none";
    default:
        return "see thumbgen --help";
    }
}

/* The options that make no sense in the freedesktop cache, and why. */
static const char *freedesktop_conflict(int c)
{
    switch (c) {
    case OPT_CROP:
        return "the cache keeps each image's aspect ratio";
    case 'f':
    case 'q':
    case OPT_BACKGROUND:
        return "the cache holds PNGs with alpha";
    case OPT_KEEP:
        return "the cache holds no metadata from the source";
    case OPT_NOROTATE:
        return "the cache shows images upright";
    case OPT_UPSCALE:
        return "the cache never enlarges";
    case OPT_NAME:
        return "the cache names each thumbnail by the MD5 of its source's URI";
    case OPT_HTML:
        return "the cache is for file managers, which find each thumbnail by the MD5 of its "
               "source's URI; a gallery is written into a DST";
    default:
        return NULL;
    }
}

static const struct option longopts[] = {{"size", required_argument, NULL, 's'},
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
                                         {"freedesktop", no_argument, NULL, OPT_FREEDESKTOP},
                                         {"name", required_argument, NULL, OPT_NAME},
                                         {"raw", required_argument, NULL, OPT_RAW},
                                         {"resize-path", required_argument, NULL, OPT_RESIZE_PATH},
                                         {"video-at", required_argument, NULL, OPT_VIDEO_AT},
                                         {"no-video", no_argument, NULL, OPT_NO_VIDEO},
                                         {"animated", no_argument, NULL, OPT_ANIMATED},
                                         {"prune", no_argument, NULL, OPT_PRUNE},
                                         {"prune-max", required_argument, NULL, OPT_PRUNE_MAX},
                                         {"dry-run", no_argument, NULL, OPT_DRY_RUN},
                                         {"watch", no_argument, NULL, OPT_WATCH},
                                         {"html", no_argument, NULL, OPT_HTML},
                                         {"placeholder", required_argument, NULL, OPT_PLACEHOLDER},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};

/* Applies option c with value v (optarg) to a; false if the value is refused. */
static bool apply(thumbs_args_t *a, int c, const char *v)
{
    thumb_opts_t *o = &a->cfg.opts;
    uint64_t n;
    switch (c) {
    case OPT_CROP:
        return parse_crop(v, &o->crop);
    case 'f':
        return parse_format(v, &o->format);
    case OPT_NAME:
        return parse_name_template(v, o);
    case OPT_RAW:
        return parse_raw_mode(v, &o->raw);
    case OPT_PLACEHOLDER:
        return parse_placeholder(v, &o->placeholder);
    case OPT_RESIZE_PATH:
        return parse_resize_path(v, &o->resize_path);
    case OPT_VIDEO_AT:
        return parse_video_at(v, o);
    case OPT_NO_VIDEO:
        return o->no_video = true;
    case OPT_ANIMATED:
        return o->animated = true;
    case 'q':
        return parse_u64(v, 1, 100, &n) && (o->quality = (int)n, true);
    case OPT_BACKGROUND:
        return parse_colour(v, o->background);
    case OPT_KEEP:
        return o->keep_metadata = true;
    case OPT_NOROTATE:
        return o->no_rotate = true;
    case OPT_UPSCALE:
        return o->upscale = true;
    case OPT_FORCE:
        return a->cfg.force = true;
    case OPT_MAXPIX:
        return parse_u64(v, 1, UINT64_MAX, &o->max_pixels);
    case OPT_MANIFEST:
        return a->cfg.manifest = v, true;
    case OPT_QUIET:
        return a->cfg.quiet = true;
    case OPT_FOLLOW:
        return a->cfg.follow_symlinks = true;
    case OPT_FSYNC:
        return a->cfg.fsync = true;
    case OPT_FILES_FROM:
        return a->cfg.files_from = v, true;
    case '0':
        return a->cfg.list_sep = '\0', true;
    case OPT_SHARD:
        return parse_shard(v, &a->cfg.shard_k, &a->cfg.shard_n);
    case OPT_RETRIES:
        return parse_u64(v, 0, 100, &n) && (a->cfg.retries = (unsigned)n, true);
    case OPT_STATS:
        return a->cfg.stats = true;
    case OPT_FREEDESKTOP:
        return a->freedesktop = true;
    case OPT_TIMEOUT:
        return parse_u64(v, 1, 86400, &n) && (a->cfg.timeout_s = (double)n, true);
    case OPT_MAXMEM: /* a decoder needs BATCH_MIN_MAX_MEMORY just to start */
        return parse_u64(v, 0, 1 << 30, &n) && (n == 0 || n >= BATCH_MIN_MAX_MEMORY) &&
               (a->cfg.max_memory_mib = n, true);
    case 'j':
        return parse_u64(v, 1, 1024, &n) && (a->cfg.jobs = (unsigned)n, true);
    case OPT_PRUNE:
        return a->cfg.prune = true;
    case OPT_PRUNE_MAX:
        return parse_prune_max(v, &a->cfg);
    case OPT_DRY_RUN:
        return a->cfg.dry_run = true;
    case OPT_WATCH:
        return a->cfg.watch = true;
    case OPT_HTML:
        return a->cfg.html = true;
    default:
        return false;
    }
}

/* Writes a usage error's reason and " (see thumbgen --help)" into err (n bytes). Returns -1. */
__attribute__((format(printf, 3, 4))) static int refuse(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(err, n, fmt, ap);
    va_end(ap);
    if (len >= 0 && (size_t)len < n)
        snprintf(err + len, n - (size_t)len, " (see thumbgen --help)");
    return -1;
}

/* Refuses a value: names the option and what it expects. Returns -1. */
static int bad_value(char *err, size_t n, const char *value, const char *name, int c,
                     bool freedesktop)
{
    return refuse(err, n, "bad value '%s' for %s: expected %s", value, name,
                  expects(c, freedesktop));
}

int thumbs_parse(int argc, char **argv, thumbs_args_t *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    batch_cfg_default(&a->cfg);
    a->cfg.jobs = online_cpus();
    optind = 1;
    opterr = 0;
    int c, li = -1;
    char name[64], conflict[64] = "", size_name[64] = "";
    int conflict_c = 0;
    const char *sizes = NULL; /* parsed once --freedesktop is known, wherever it comes */
    bool prune_max = false;   /* given: it means something only with --prune */
    while ((li = -1, c = getopt_long(argc, argv, ":s:f:q:j:h0", longopts, &li)) != -1) {
        if (c == 'h')
            return 1;
        if (c == ':')
            return refuse(err, errlen, "option %s needs a value", argv[optind - 1]);
        if (c == '?' && optopt != 0)
            return refuse(err, errlen, "unknown option -%c", optopt);
        if (c == '?')
            return refuse(err, errlen, "unknown option %s", argv[optind - 1]);
        opt_name(longopts, li, c, name, sizeof name);
        if (freedesktop_conflict(c) != NULL && conflict[0] == '\0') {
            snprintf(conflict, sizeof conflict, "%s", name);
            conflict_c = c;
        }
        prune_max |= c == OPT_PRUNE_MAX;
        if (c == 's') {
            sizes = optarg;
            snprintf(size_name, sizeof size_name, "%s", name);
        } else if (!apply(a, c, optarg)) {
            return bad_value(err, errlen, optarg, name, c, false);
        }
    }
    thumb_opts_t *o = &a->cfg.opts;
    if (argc - optind == 2 && strcmp(argv[optind + 1], CACHE_DST) == 0) /* --freedesktop's */
        a->freedesktop = true, argc--;
    if (a->freedesktop) {
        if (conflict[0] != '\0')
            return refuse(err, errlen, "%s cannot be used with --freedesktop: %s", conflict,
                          freedesktop_conflict(conflict_c));
        if (!parse_flavour_list(sizes ? sizes : "normal,large", o))
            return bad_value(err, errlen, sizes, size_name, 's', true);
    } else if (sizes != NULL && !parse_size_list(sizes, o)) {
        return bad_value(err, errlen, sizes, size_name, 's', false);
    }
    int want = a->freedesktop ? 1 : 2;
    if (argc - optind != want)
        return refuse(err, errlen, "%s",
                      argc - optind > want ? "too many arguments"
                      : a->freedesktop     ? "expected SRC (--freedesktop writes to the cache)"
                                           : "expected SRC and DST");
    if (prune_max && !a->cfg.prune)
        return refuse(err, errlen,
                      "--prune-max limits --prune, which was not given: nothing would be pruned");
    if (a->cfg.prune && a->cfg.files_from != NULL)
        return refuse(err, errlen,
                      "--prune cannot be used with --files-from: the list is not the whole of "
                      "SRC, so what it leaves out is not known to be gone");
    if (a->cfg.watch && (a->cfg.files_from != NULL || a->cfg.dry_run))
        return refuse(err, errlen, "--watch cannot be used with %s",
                      a->cfg.dry_run ? "--dry-run: it changes nothing, so there is nothing to "
                                       "keep in step"
                                     : "--files-from: it watches the whole of SRC");
    if (a->cfg.html && a->cfg.shard_n > 1)
        return refuse(err, errlen,
                      "--html cannot be used with --shard: the shards would each write the same "
                      "pages");
    a->cfg.src = argv[optind];
    a->cfg.dst = a->freedesktop ? CACHE_DST : argv[optind + 1];
    return 0;
}
