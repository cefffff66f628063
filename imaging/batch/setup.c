#include "batch/setup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/naming.h"
#include "decoder/proto.h"
#include "decoder/serve.h"
#include "decoder/worker.h"

void batch_cfg_default(batch_cfg_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    thumb_opts_default(&cfg->opts);
    cfg->jobs = 1;
    cfg->timeout_s = BATCH_DEFAULT_TIMEOUT;
    cfg->max_memory_mib = BATCH_DEFAULT_MAX_MEMORY;
    cfg->list_sep = '\n';
    cfg->retries = 3;
    cfg->prune_max = 50;
    cfg->prune_max_percent = true;
}

/* --html: the gallery of DST, with links to the originals when SRC and DST are both local. */
static bool open_gallery(batch_t *b, char *err, size_t errsz)
{
    const batch_cfg_t *c = &b->cfg;
    char why[512], *dir = NULL;
    struct stat st;
    /* Local: a source read without openers (source.h) and a DST that is a folder here. */
    bool local = b->source->openers == 0 && stat(c->dst, &st) == 0 && S_ISDIR(st.st_mode);
    if (local && stat(c->src, &st) == 0) {
        const char *slash = strrchr(c->src, '/');
        /* The folder holding a file: "/" for one at the root, "." for one named without a slash. */
        size_t len = S_ISDIR(st.st_mode) ? strlen(c->src)
                     : slash             ? (size_t)(slash - c->src) + (slash == c->src)
                                         : 0;
        dir = len > 0 ? strndup(c->src, len) : strdup(".");
    }
    gallery_cfg_t g = {
        .store = b->store, .dst = c->dst, .src_dir = dir, .opts = &c->opts, .force = c->force};
    b->gallery = gallery_open(&g, why, sizeof why);
    free(dir);
    if (b->gallery == NULL)
        snprintf(err, errsz, "%s: %s", c->dst, why);
    return b->gallery != NULL;
}

/* Opens the source, the store and the manifest. false with err ("PATH: reason"). */
static bool open_all(batch_t *b, char *err, size_t errsz)
{
    batch_cfg_t *c = &b->cfg;
    char why[512];
    /* The source first: a missing SRC is reported before DST is created. */
    unsigned io = c->jobs * 2 < 4 ? 4 : c->jobs * 2 > 64 ? 64 : c->jobs * 2;
    source_cfg_t scfg = {.src = c->src,
                         .dst = c->dst,
                         .files_from = c->files_from,
                         .list_sep = c->list_sep,
                         .follow_symlinks = c->follow_symlinks,
                         .watch = c->watch,
                         .openers = io,
                         .retries = c->retries,
                         .done = b->done};
    if ((b->source = source_open(&scfg, why, sizeof why)) == NULL) {
        snprintf(err, errsz, "%s: %s", c->src, why);
        return false;
    }
    store_cfg_t wcfg = {.fsync = c->fsync,
                        .dry_run = c->dry_run,
                        .writers = io,
                        .retries = c->retries,
                        .done = b->done,
                        .opts = &c->opts};
    if ((b->store = store_open(b->dst, &wcfg, why, sizeof why)) == NULL) {
        snprintf(err, errsz, "%s: %s", c->dst, why);
        return false;
    }
    if (b->store->ops->same_place != NULL && b->store->ops->same_place(b->store, c->src)) {
        snprintf(err, errsz, "%s: DST must not be SRC (thumbnails would replace the originals)",
                 c->dst);
        return false;
    }
    if (reporter_init(&b->rep, c->manifest, c->progress && !c->quiet, c->quiet) != 0) {
        snprintf(err, errsz, "%s: cannot create manifest: %s", c->manifest, strerror(errno));
        return false;
    }
    b->rep_open = true;
    if (c->html && !c->dry_run && !open_gallery(b, err, errsz))
        return false;
    b->rep.gallery = b->gallery;
    b->rep.pruning = c->prune;
    b->rep.dry_run = c->dry_run;
    return true;
}

batch_t *batch_open(const batch_cfg_t *cfg, done_t *done, char *err, size_t errsz)
{
    batch_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        snprintf(err, errsz, "out of memory");
        return NULL;
    }
    b->cfg = *cfg;
    b->done = done;
    if ((b->dst = strndup(cfg->dst, path_trimmed_len(cfg->dst))) == NULL)
        snprintf(err, errsz, "out of memory");
    else
        b->cfg.dst = b->place = store_place(b->dst, cfg->src, err, errsz);
    if (b->place == NULL || !open_all(b, err, errsz))
        batch_close(b), b = NULL;
    return b;
}

int batch_finish(batch_t *b, bool interrupted, batch_counts_t *counts, char *err, size_t errsz)
{
    reporter_full_notice(&b->rep, b->cfg.dst);
    reporter_summary(&b->rep, interrupted);
    if (b->cfg.stats)
        stats_print(stderr, b->stats, b->nstats);
    uint64_t made = b->rep.counts[TASK_MADE];
    if (b->cfg.stats && !b->cfg.dry_run) /* which path made each file (docs/DESIGN.md) */
        fprintf(stderr,
                "resize paths: %llu JPEG fast path (libjpeg-turbo + libswscale), %llu PNG fast "
                "path (libdeflate + libpng + libswscale), %llu libvips\n",
                (unsigned long long)b->rep.fast[FAST_JPEG],
                (unsigned long long)b->rep.fast[FAST_PNG],
                (unsigned long long)(made - b->rep.fast[FAST_JPEG] - b->rep.fast[FAST_PNG]));
    char line[300] = "";
    if (b->cfg.stats && b->source->ops->stats != NULL) /* the backends' requests, their words */
        b->source->ops->stats(b->source, made, line, sizeof line);
    if (line[0] != '\0')
        fprintf(stderr, "%s\n", line);
    line[0] = '\0';
    if (b->cfg.stats && b->store->ops->stats != NULL)
        b->store->ops->stats(b->store, made, line, sizeof line);
    if (line[0] != '\0')
        fprintf(stderr, "%s\n", line);
    *counts = (batch_counts_t){.failed = b->rep.counts[TASK_FAILED], .watched = b->rep.watching};
    b->rep_open = false;
    if (reporter_close(&b->rep) != 0) {
        snprintf(err, errsz, "%s: error writing the manifest", b->cfg.manifest);
        return -1;
    }
    return 0;
}

void batch_close(batch_t *b)
{
    if (b == NULL)
        return;
    if (b->rep_open)
        reporter_close(&b->rep);
    gallery_close(b->gallery);
    store_close(b->store);
    source_close(b->source);
    free(b->stats);
    free(b->dst);
    free(b->place);
    free(b);
}

void batch_emergency_cleanup(void)
{
    store_emergency_cleanup();
}

int batch_version(char *vips, size_t vips_size, char *sandbox, size_t sandbox_size)
{
    thumb_opts_t o;
    thumb_opts_default(&o);
    decoder_cfg_t cfg = {.opts = &o,
                         .timeout_s = DEC_DEFAULT_TIMEOUT,
                         .max_memory_mib = DEC_DEFAULT_MAX_MEMORY,
                         .exe = "/proc/self/exe"};
    decoder_t d;
    decoder_init(&d, &cfg);
    int rc = decoder_start(&d, NULL, sandbox, sandbox_size);
    snprintf(vips, vips_size, "%s", rc == 0 ? d.vips : "unknown");
    if (rc == 0)
        snprintf(sandbox, sandbox_size, "%s", d.sandbox);
    decoder_destroy(&d);
    return rc == 0 ? 0 : -1;
}

bool batch_is_decoder(int argc, char **argv)
{
    return argc == 2 && strcmp(argv[1], DEC_ARG) == 0;
}

int batch_decoder_main(const char *argv0)
{
    return decoder_serve(argv0);
}
