#include "decoder/codec.h"

#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/filetype.h"
#include "decoder/thumbnail.h"

#ifndef TG_MODULE_REL
#define TG_MODULE_REL "../lib/thumbgen" /* the modules' folder from the executable's, installed */
#endif

static uint64_t limit_mib; /* the decoder's memory limit, for the modules' setup */

/* The families a module holds, in the order they are asked; libvips' takes the rest. */
static struct {
    family_t family;  /* it claims the files core/filetype.c gives it */
    const char *what; /* for messages */
    const char *file, *symbol;
    const codec_t *loaded;
    char error[300]; /* why it could not be loaded, once tried */
} modules[] = {
    {FAMILY_RAW, "camera RAW", "thumbgen-raw.so", "tg_codec_raw", NULL, ""},
    {FAMILY_VIDEO, "video", "thumbgen-video.so", "tg_codec_video", NULL, ""},
};

/* True when a .ts file has MPEG-TS sync bytes (0x47 every 188 bytes, or 192 with a 4-byte
 * timestamp): TypeScript sources are .ts too. */
static bool mpeg_ts(int fd)
{
    unsigned char b[4 + 192 + 1];
    if (pread(fd, b, sizeof b, 0) != (ssize_t)sizeof b)
        return false;
    return (b[0] == 0x47 && b[188] == 0x47) || (b[4] == 0x47 && b[196] == 0x47);
}

void codec_setup(uint64_t max_memory_mib)
{
    limit_mib = max_memory_mib;
}

/* Loads module i from the executable's folder (the build tree) or TG_MODULE_REL from it
 * (installed). The decoder's sandbox allows reading and mapping files, not writing them. */
static const codec_t *load(size_t i)
{
    if (modules[i].loaded != NULL || modules[i].error[0] != '\0')
        return modules[i].loaded;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    const char *dir = dirname(exe);
    const char *where[] = {"", TG_MODULE_REL "/"};
    void *h = NULL;
    char *e = modules[i].error; /* the first reason a module that is there did not load */
    for (size_t k = 0; h == NULL && k < sizeof where / sizeof where[0]; k++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s%s", dir, where[k], modules[i].file);
        if (access(path, R_OK) == 0 && (h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL &&
            e[0] == '\0')
            snprintf(e, sizeof modules[i].error, "%s", dlerror()); /* dlerror clears it */
    }
    if (h == NULL && e[0] == '\0')
        snprintf(e, sizeof modules[i].error, "not found beside thumbgen");
    const codec_t *c = h ? dlsym(h, modules[i].symbol) : NULL;
    if (h != NULL && c == NULL)
        snprintf(modules[i].error, sizeof modules[i].error, "%s has no %s", modules[i].file,
                 modules[i].symbol);
    if (c != NULL && c->setup != NULL)
        c->setup(limit_mib);
    return modules[i].loaded = c;
}

void codec_make(const thumb_opts_t *o, task_t *t)
{
    const filetype_t *ft = filetype_of(t->rel);
    for (size_t i = 0; ft != NULL && i < sizeof modules / sizeof modules[0]; i++) {
        if (ft->family != modules[i].family || (strcmp(ft->ext, "ts") == 0 && !mpeg_ts(t->fd)))
            continue;
        const codec_t *c = load(i);
        if (o->want_mime)
            snprintf(t->meta.mime, sizeof t->meta.mime, "%s", ft->mime);
        if (c == NULL)
            task_fail(t, TASK_FAILED, "cannot load the %s decoder (%s): %s", modules[i].what,
                      modules[i].file, modules[i].error);
        else
            c->make(o, t);
        thumb_settle(t);
        return;
    }
    codec_vips.make(o, t);
    thumb_settle(t);
}
