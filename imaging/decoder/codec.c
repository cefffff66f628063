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

/* The modules met so far, by the name core/filetype.c's rows give them (once all are taken, the
 * last slot is shared: loaded again when the name changes). */
static struct module {
    const char *name;
    const codec_t *loaded; /* its tg_codec_NAME */
    char error[300];       /* why it could not be loaded, once tried */
} modules[8];

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

/* Loads module NAME, thumbgen-NAME.so exporting tg_codec_NAME, once, from the executable's folder
 * (the build tree) or TG_MODULE_REL from it (installed). The decoder's sandbox allows reading and
 * mapping files, not writing them. */
static const struct module *load(const char *name)
{
    struct module *m = modules;
    while (m + 1 < modules + 8 && m->name != NULL && strcmp(m->name, name) != 0)
        m++;
    if (m->name != NULL && strcmp(m->name, name) == 0)
        return m;
    *m = (struct module){.name = name};
    char exe[PATH_MAX], file[64], symbol[64];
    snprintf(file, sizeof file, "thumbgen-%s.so", name);
    snprintf(symbol, sizeof symbol, "tg_codec_%s", name);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    const char *dir = dirname(exe);
    const char *where[] = {"", TG_MODULE_REL "/"};
    void *h = NULL;
    char *e = m->error; /* the first reason a module that is there did not load */
    for (size_t k = 0; h == NULL && k < sizeof where / sizeof where[0]; k++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s%s", dir, where[k], file);
        if (access(path, R_OK) == 0 && (h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL &&
            e[0] == '\0')
            snprintf(e, sizeof m->error, "%s", dlerror()); /* dlerror clears it */
    }
    if (h == NULL && e[0] == '\0')
        snprintf(e, sizeof m->error, "not found beside thumbgen");
    const codec_t *c = h ? dlsym(h, symbol) : NULL;
    if (h != NULL && c == NULL)
        snprintf(e, sizeof m->error, "%s has no %s", file, symbol);
    if (c != NULL && c->setup != NULL)
        c->setup(limit_mib);
    m->loaded = c;
    return m;
}

void codec_make(const thumb_opts_t *o, task_t *t)
{
    const filetype_t *ft = filetype_of(t->rel);
    if (ft != NULL && ft->module != NULL && (strcmp(ft->ext, "ts") != 0 || mpeg_ts(t->fd))) {
        const struct module *m = load(ft->module);
        if (o->want_mime)
            snprintf(t->meta.mime, sizeof t->meta.mime, "%s", ft->mime);
        if (m->loaded == NULL) { /* no verdict on the bytes (unreadable): no failure record */
            task_fail(t, TASK_FAILED, "cannot load the %s decoder (thumbgen-%s.so): %s", ft->family,
                      ft->module, m->error);
            t->unreadable = true;
        } else
            m->loaded->make(o, t);
    } else {
        codec_vips.make(o, t);
    }
    thumb_settle(t);
}
