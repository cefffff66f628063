#include "core/naming.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

size_t path_trimmed_len(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    return n;
}

char *path_join(const char *a, const char *b)
{
    size_t la = path_trimmed_len(a), lb = strlen(b);
    char *s = malloc(la + 1 + lb + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

bool name_template_valid(const char *tmpl)
{
    bool stem = false;
    if (tmpl == NULL || tmpl[0] == '\0' || strlen(tmpl) >= THUMB_NAME_MAX || strchr(tmpl, '/'))
        return false;
    for (const char *p = tmpl; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == 's')
            stem = true;
        else if (*p != 'e' && *p != 'z' && *p != '%')
            return false;
    }
    return stem;
}

bool name_template_has_size(const char *tmpl)
{
    for (const char *p = tmpl; p != NULL && *p; p++) {
        if (*p != '%')
            continue;
        if (*++p == 'z')
            return true;
        if (*p == '\0')
            break;
    }
    return false;
}

/* Expands tmpl for the file name base (no folder) and size label into out (n bytes). False when it
 * does not fit. */
static bool expand(const char *tmpl, const char *base, const char *size, char *out, size_t n)
{
    const char *dot = strrchr(base, '.');
    if (dot == base)
        dot = NULL; /* ".profile": no extension */
    size_t stem = dot ? (size_t)(dot - base) : strlen(base);
    const char *ext = dot ? dot + 1 : "";
    size_t k = 0;
    for (const char *p = tmpl; *p; p++) {
        const char *part = p;
        size_t len = 1;
        if (*p == '%') {
            p++;
            if (*p == 's')
                part = base, len = stem;
            else if (*p == 'e')
                part = ext, len = strlen(ext);
            else if (*p == 'z')
                part = size ? size : "", len = strlen(part);
        }
        if (k + len >= n)
            return false;
        memcpy(out + k, part, len);
        k += len;
    }
    out[k] = '\0';
    return true;
}

char *output_path_named(const char *dst, const char *label, const char *rel, const char *tmpl,
                        const char *size, const char *ext)
{
    if (!rel_path_safe(rel) || (label != NULL && (!rel_path_safe(label) || strchr(label, '/')))) {
        errno = EINVAL;
        return NULL;
    }
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    char name[NAME_MAX + 1];
    if (!expand(tmpl ? tmpl : "%s", base, size, name, sizeof name) ||
        strlen(name) + 1 + strlen(ext) > NAME_MAX) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    if (name[0] == '\0') { /* "%e" of a name without one: ".jpg" would be hidden */
        errno = EINVAL;
        return NULL;
    }
    /* dst/[label/]rel's folders/name.ext, by hand: a rerun names every source twice, and
     * asprintf was a third of its instructions */
    size_t ld = path_trimmed_len(dst), ll = label ? strlen(label) : 0, lf = (size_t)(base - rel),
           ln = strlen(name), le = strlen(ext);
    char *s = malloc(ld + ll + lf + ln + le + 4), *p = s;
    if (s == NULL)
        return NULL;
    memcpy(p, dst, ld);
    p += ld;
    *p++ = '/';
    if (label != NULL) {
        memcpy(p, label, ll);
        p += ll;
        *p++ = '/';
    }
    memcpy(p, rel, lf); /* with its last slash */
    memcpy(p + lf, name, ln);
    p += lf + ln;
    *p++ = '.';
    memcpy(p, ext, le + 1);
    return s;
}

char *output_path(const char *dst, const char *label, const char *rel, const char *ext)
{
    return output_path_named(dst, label, rel, NULL, NULL, ext);
}

const char *extension_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot == NULL || dot == base ? NULL : dot + 1;
}
