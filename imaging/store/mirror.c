#include "store/mirror.h"

#include <errno.h>
#include <stdlib.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/hashset.h"
#include "core/naming.h"

/* The record of kind prefix for source name base in folder dir (n bytes), malloc'd (NULL: out of
 * memory): prefix + base, or where that would pass NAME_MAX, prefix + base's first bytes (whole
 * UTF-8 characters) + "~" + 16 hex digits of FNV-1a 64 of base, so long names get records too. */
static char *record_path(const char *dir, int n, const char *prefix, const char *base)
{
    char *path = NULL;
    size_t len = strlen(base), np = strlen(prefix), room = NAME_MAX - np;
    if (len <= room) { /* by hand: a rerun names every source, and asprintf costs 2% of it */
        if ((path = malloc((size_t)n + 1 + np + len + 1)) == NULL)
            return NULL;
        memcpy(path, dir, (size_t)n);
        path[n] = '/';
        memcpy(path + n + 1, prefix, np);
        memcpy(path + n + 1 + np, base, len + 1);
        return path;
    }
    size_t keep = room - 17;
    while (keep > 0 && ((unsigned char)base[keep] & 0xc0) == 0x80)
        keep--; /* base[keep] starts a character: cut before it */
    uint64_t h = fnv1a(FNV1A_START, base, len);
    return asprintf(&path, "%.*s/%s%.*s~%016" PRIx64, n, dir, prefix, (int)keep, base, h) < 0
               ? NULL
               : path;
}

int store_name_mirror(const char *dst, task_t *t, const thumb_opts_t *o, char *err, size_t errsz)
{
    /* Several sizes go to a folder each, unless the name template tells them apart. */
    bool per_size = o->nsizes > 1 && !name_template_has_size(o->name);
    for (int i = 0; i < o->nsizes; i++) {
        t->outs[i].dst = output_path_named(dst, per_size ? o->sizes[i].label : NULL, t->rel,
                                           o->name[0] ? o->name : NULL, o->sizes[i].label,
                                           format_ext(o->format));
        if (t->outs[i].dst == NULL) {
            snprintf(err, errsz, "%s", strerror(errno));
            return -1;
        }
    }
    const char *dir = t->nouts > 0 ? t->outs[0].dst : NULL, *base = strrchr(t->rel, '/');
    base = base ? base + 1 : t->rel;
    const char *slash = dir ? strrchr(dir, '/') : NULL;
    int folder = slash ? (int)(slash - dir) : 0;
    if (slash != NULL &&
        ((t->fail.dst = record_path(dir, folder, RECORD_PREFIX, base)) == NULL ||
         (t->skip_dst = record_path(dir, folder, SKIP_RECORD_PREFIX, base)) == NULL)) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    return 0;
}

/* The length of the identity record's prefix name starts with, digits and dot included; else 0. */
static size_t ident_prefix(const char *name)
{
    size_t n = strlen(IDENT_PREFIX);
    if (strncmp(name, IDENT_PREFIX, n) != 0 || strspn(name + n, "0123456789abcdef") != 16 ||
        name[n + 16] != '.')
        return 0;
    return n + 17;
}

size_t store_record_prefix(const char *name)
{
    size_t id = ident_prefix(name);
    if (id > 0)
        return name[id] != '\0' ? id : 0;
    static const char *const prefixes[] = {RECORD_PREFIX, SKIP_RECORD_PREFIX};
    for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(name, prefixes[i], n) == 0 && name[n] != '\0')
            return n;
    }
    return 0;
}

unsigned store_role(const task_t *src, const char *path)
{
    if (src == NULL)
        return 0;
    unsigned role = 0;
    if (src->fail.dst != NULL && strcmp(path, src->fail.dst) == 0)
        role |= RECORD_FAILED;
    if (src->skip_dst != NULL && strcmp(path, src->skip_dst) == 0)
        role |= RECORD_SKIPPED;
    if (src->nouts > 0 && strcmp(path, src->outs[0].dst) == 0)
        role |= STORE_FIRST;
    if (src->nouts > 0 && strcmp(path, src->outs[src->nouts - 1].dst) == 0)
        role |= STORE_LAST;
    return role;
}

size_t store_stale_records(const task_t *src, const char *path, bool held_only, char *addrs[2])
{
    size_t n = 0;
    if (src == NULL)
        return 0;
    unsigned held = held_only ? src->held : RECORD_FAILED | RECORD_SKIPPED;
    unsigned role = store_role(src, path);
    if ((held & RECORD_FAILED) && src->fail.dst != NULL && (role & (STORE_LAST | RECORD_SKIPPED)))
        addrs[n++] = src->fail.dst;
    if ((held & RECORD_SKIPPED) && src->skip_dst != NULL && (role & (STORE_LAST | RECORD_FAILED)))
        addrs[n++] = src->skip_dst;
    return n;
}

char *store_ident_record(const task_t *t, int verdict, size_t skip)
{
    const char *out = t->nouts > 0 ? t->outs[0].dst : NULL, *base = out ? strrchr(out, '/') : NULL;
    if (base == NULL)
        return NULL;
    char id[PATH_MAX + 80], kind = verdict == RECORD_FAILED    ? 'f'
                                   : verdict == RECORD_SKIPPED ? 's'
                                                               : 'm';
    uint64_t h = fnv1a(FNV1A_START, &kind, 1);
    h = fnv1a(h, id, store_ident(t, id, sizeof id) + 1); /* its NUL ends it */
    for (int i = 0; i < t->nouts; i++)
        if (strlen(t->outs[i].dst) >= skip)
            h = fnv1a(h, t->outs[i].dst + skip, strlen(t->outs[i].dst + skip) + 1);
    char *path = NULL;
    return asprintf(&path, "%.*s/" IDENT_PREFIX "%016" PRIx64 ".%s", (int)(base - out), out, h,
                    base + 1) < 0
               ? NULL
               : path;
}

const char *store_ident_record_of(const char *addr, char *buf, size_t n)
{
    const char *base = strrchr(addr, '/');
    base = base ? base + 1 : addr;
    size_t np = ident_prefix(base);
    if (np == 0)
        return NULL;
    int k = snprintf(buf, n, "%.*s%s", (int)(base - addr), addr, base + np);
    return k < 0 || (size_t)k >= n ? NULL : buf;
}

/* rel without its first folder when that is label's ("LABEL/..."), else NULL. */
static const char *in_folder(const char *rel, const char *label)
{
    size_t k = strlen(label);
    return strncmp(rel, label, k) == 0 && rel[k] == '/' ? rel + k + 1 : NULL;
}

const char *store_mirror_record_rel(const char *rel, const thumb_opts_t *o, char *buf, size_t n)
{
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    size_t np = store_record_prefix(base);
    if (np == 0)
        return NULL;
    if (ident_prefix(base) > 0) /* beside an output: as that output counts */
        return store_ident_record_of(rel, buf, n) ? store_mirror_rel(buf, o) : NULL;
    if (o->nsizes > 1 && !name_template_has_size(o->name)) { /* in a size's folder */
        const char *r = NULL;
        for (int i = 0; r == NULL && i < o->nsizes; i++)
            r = in_folder(rel, o->sizes[i].label);
        if (r == NULL)
            return NULL;
        rel = r;
    }
    for (const char *c = rel; c != base; c = strchr(c, '/') + 1)
        if (*c == '.' || *c == '/')
            return NULL; /* in a hidden folder: never thumbgen's */
    int k = snprintf(buf, n, "%.*s%s", (int)(base - rel), rel, base + np);
    return k < 0 || (size_t)k >= n ? NULL : buf;
}

/* True when the template can expand to stem for the size labelled size: %s matches any text
 * but none, %e any text, %z the label, %% a percent sign, the rest itself (fnmatch, its own
 * specials escaped). */
static bool template_gives(const char *tmpl, const char *size, const char *stem)
{
    if (tmpl[0] == '\0' || strcmp(tmpl, "%s") == 0)
        return stem[0] != '\0'; /* the default: any name */
    char pat[4 * NAME_MAX + 8], *p = pat, *end = pat + sizeof pat - 3;
    for (const char *t = tmpl[0] ? tmpl : "%s"; *t && p < end; t++) {
        const char *lit = t;
        size_t n = 1;
        if (*t == '%' && (t[1] == 's' || t[1] == 'e')) {
            if (t[1] == 's') /* a source's name is never empty; its extension may be */
                *p++ = '?';
            *p++ = '*';
            t++;
            continue;
        }
        if (*t == '%' && t[1] == 'z') {
            lit = size ? size : "";
            n = strlen(lit);
            t++;
        } else if (*t == '%' && t[1] == '%') {
            t++;
        }
        for (size_t i = 0; i < n && p < end; i++) {
            if (strchr("*?[\\", lit[i]))
                *p++ = '\\';
            *p++ = lit[i];
        }
    }
    *p = '\0';
    return fnmatch(pat, stem, 0) == 0;
}

const char *store_mirror_rel(const char *rel, const thumb_opts_t *o)
{
    for (const char *c = rel; c != NULL; c = strchr(c, '/'), c = c ? c + 1 : NULL)
        if (*c == '.' || *c == '/' || *c == '\0')
            return NULL; /* hidden (the writers' temporary files too), or not a file's path */
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    const char *ext = extension_of(base), *want = format_ext(o->format);
    if (ext == NULL || strcmp(ext, want) != 0)
        return NULL;
    if (ext - 1 == base)
        return NULL; /* ".jpg": no name */
    char stem[NAME_MAX + 1];
    size_t n = (size_t)(ext - 1 - base);
    if (n >= sizeof stem)
        return NULL;
    memcpy(stem, base, n);
    stem[n] = '\0';
    bool per_size = o->nsizes > 1 && !name_template_has_size(o->name);
    for (int i = 0; i < o->nsizes; i++) {
        const char *label = o->sizes[i].label, *r = per_size ? in_folder(rel, label) : rel;
        if (r != NULL && template_gives(o->name, label, stem))
            return r;
    }
    return NULL;
}

size_t store_ident(const task_t *t, char *buf, size_t n)
{
    int k = snprintf(buf, n, "size=%" PRIu64 " mtime=%" PRId64 ".%09ld src=%s", t->size,
                     (int64_t)t->mtime.tv_sec, (long)t->mtime.tv_nsec, t->rel);
    return k < 0 ? 0 : (size_t)k < n ? (size_t)k : n - 1;
}

struct timespec store_ident_time(const task_t *t)
{
    int64_t sec = (int64_t)t->mtime.tv_sec, nsec = (int64_t)t->mtime.tv_nsec;
    uint64_t h = fnv1a(FNV1A_START, &t->size, sizeof t->size);
    h = fnv1a(h, &sec, sizeof sec);
    h = fnv1a(h, &nsec, sizeof nsec);
    h = fnv1a(h, t->rel, strlen(t->rel));
    return (struct timespec){.tv_sec = t->mtime.tv_sec, .tv_nsec = (long)(h % 1000000000u)};
}

struct timespec store_kept_time(struct timespec m)
{
    const int64_t lo = 315532800 + 86400, span = 4354819199 - 86400 - lo; /* 1980, 2107 */
    int64_t sec = m.tv_sec;
    if (sec < lo || sec >= lo + span) { /* (sec - lo) mod span, without overflow at any sec */
        int64_t r = (sec % span - lo % span) % span;
        sec = lo + (r < 0 ? r + span : r);
    }
    return (struct timespec){.tv_sec = (time_t)sec, .tv_nsec = m.tv_nsec};
}
