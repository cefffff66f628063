#include "core/naming.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool rel_path_safe(const char *rel)
{
    if (rel == NULL || rel[0] == '\0' || rel[0] == '/')
        return false;
    const char *p = rel;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (slash == NULL)
            return true;
        p = slash + 1;
    }
}

char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/')
        la--;
    char *s = malloc(la + 1 + lb + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

char *output_path(const char *dst, const char *label, const char *rel, const char *ext)
{
    if (!rel_path_safe(rel) || (label != NULL && (!rel_path_safe(label) || strchr(label, '/')))) {
        errno = EINVAL;
        return NULL;
    }
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    const char *dot = strrchr(base, '.');
    size_t stem = (dot != NULL && dot != base) ? (size_t)(dot - rel) : strlen(rel);
    size_t base_len = (size_t)(rel + stem - base) + 1 + strlen(ext);
    if (base_len > NAME_MAX) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    size_t n = strlen(dst) + (label ? strlen(label) + 1 : 0) + stem + strlen(ext) + 3;
    char *s = malloc(n);
    if (s == NULL)
        return NULL;
    size_t ld = strlen(dst);
    while (ld > 1 && dst[ld - 1] == '/')
        ld--;
    if (label != NULL)
        snprintf(s, n, "%.*s/%s/%.*s.%s", (int)ld, dst, label, (int)stem, rel, ext);
    else
        snprintf(s, n, "%.*s/%.*s.%s", (int)ld, dst, (int)stem, rel, ext);
    return s;
}

bool has_image_extension(const char *path)
{
    static const char *const exts[] = {
        "jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "tif", "tiff", "heic", "heif", "avif",
        "jxl", "jp2",  "j2k", "jpx",  "bmp", "svg", "svgz", "pdf", "ppm",  "pgm",  "pbm",  "pnm",
        "pfm", "hdr",  "exr", "fits", "fit", "fts", "ico",  "psd", "dng",  "cr2",  "nef",  "arw"};
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == base)
        return false;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot + 1, exts[i]) == 0)
            return true;
    return false;
}
