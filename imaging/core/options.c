#include "core/options.h"

#include "core/naming.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void thumb_opts_default(thumb_opts_t *o)
{
    memset(o, 0, sizeof *o);
    parse_size("256", &o->sizes[0]);
    o->nsizes = 1;
    o->crop = CROP_NONE;
    o->format = FMT_JPEG;
    o->quality = 80;
    o->background[0] = o->background[1] = o->background[2] = 255;
    o->max_pixels = 268402689;
    o->video_at = 10;
}

/* Reads 1..100000 from [*p, end); advances *p. */
static bool side(const char **p, const char *end, int *out)
{
    long v = 0;
    const char *s = *p;
    if (s >= end || !isdigit((unsigned char)*s))
        return false;
    while (s < end && isdigit((unsigned char)*s)) {
        v = v * 10 + (*s - '0');
        if (v > 100000)
            return false;
        s++;
    }
    if (v < 1)
        return false;
    *out = (int)v;
    *p = s;
    return true;
}

static bool parse_size_n(const char *text, size_t len, thumb_size_t *s)
{
    const char *p = text, *end = text + len;
    const char *x = memchr(text, 'x', len);
    if (len == 0 || len >= sizeof s->label)
        return false;
    if (x == NULL) {
        if (!side(&p, end, &s->width) || p != end)
            return false;
        s->height = s->width;
    } else {
        s->width = s->height = THUMB_UNBOUNDED;
        if (x == text && x + 1 == end)
            return false; /* "x" alone */
        if (x > text && (!side(&p, x, &s->width) || p != x))
            return false;
        p = x + 1;
        if (p < end && (!side(&p, end, &s->height) || p != end))
            return false;
    }
    memcpy(s->label, text, len);
    s->label[len] = '\0';
    return true;
}

bool parse_size(const char *text, thumb_size_t *s)
{
    return text != NULL && parse_size_n(text, strlen(text), s);
}

/* One of the thumbnail cache's flavours, by name, as a square box labelled with its name. */
static bool parse_flavour_n(const char *text, size_t len, thumb_size_t *s)
{
    static const struct {
        const char *name;
        int box;
    } t[] = {{"normal", 128}, {"large", 256}, {"x-large", 512}, {"xx-large", 1024}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strlen(t[i].name) == len && memcmp(text, t[i].name, len) == 0) {
            s->width = s->height = t[i].box;
            snprintf(s->label, sizeof s->label, "%s", t[i].name);
            return true;
        }
    return false;
}

/* A comma-separated list of items that parse_item reads, none repeated. */
static bool parse_list(const char *text, thumb_opts_t *o,
                       bool (*parse_item)(const char *, size_t, thumb_size_t *))
{
    int n = 0;
    const char *p = text;
    if (text == NULL)
        return false;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (n == THUMB_MAX_SIZES || !parse_item(p, len, &o->sizes[n]))
            return false;
        for (int i = 0; i < n; i++)
            if (o->sizes[i].width == o->sizes[n].width && o->sizes[i].height == o->sizes[n].height)
                return false;
        n++;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    o->nsizes = n;
    return true;
}

bool parse_size_list(const char *text, thumb_opts_t *o)
{
    return parse_list(text, o, parse_size_n);
}

bool parse_flavour_list(const char *text, thumb_opts_t *o)
{
    return parse_list(text, o, parse_flavour_n);
}

bool parse_placeholder(const char *text, unsigned *p)
{
    if (text != NULL && strcmp(text, "none") == 0) {
        *p = PLACEHOLDER_NONE;
        return true;
    }
    unsigned flags = 0;
    for (const char *s = text; s != NULL && *s != '\0';) {
        size_t n = strcspn(s, ",");
        if (n == 9 && strncmp(s, "thumbhash", n) == 0)
            flags |= PLACEHOLDER_THUMBHASH;
        else if (n == 8 && strncmp(s, "blurhash", n) == 0)
            flags |= PLACEHOLDER_BLURHASH;
        else
            return false;
        s += n;
        if (*s == ',' && *++s == '\0')
            return false; /* a trailing comma */
    }
    if (flags == 0)
        return false;
    *p = flags;
    return true;
}

/* The value of text among names (NULL-terminated; values[i] is names[i]'s), or -1. */
static int lookup(const char *text, const char *const *names, const int *values)
{
    for (int i = 0; text != NULL && names[i] != NULL; i++)
        if (strcmp(text, names[i]) == 0)
            return values[i];
    return -1;
}

bool parse_crop(const char *text, crop_t *c)
{
    static const char *const names[] = {"none", "centre", "center", "attention", "entropy", NULL};
    static const int values[] = {CROP_NONE, CROP_CENTRE, CROP_CENTRE, CROP_ATTENTION, CROP_ENTROPY};
    int v = lookup(text, names, values);
    *c = v >= 0 ? (crop_t)v : *c;
    return v >= 0;
}

bool parse_format(const char *text, format_t *f)
{
    static const char *const names[] = {"jpeg", "jpg", "webp", "avif", "png", "gif", NULL};
    static const int values[] = {FMT_JPEG, FMT_JPEG, FMT_WEBP, FMT_AVIF, FMT_PNG, FMT_GIF};
    int v = lookup(text, names, values);
    *f = v >= 0 ? (format_t)v : *f;
    return v >= 0;
}

bool parse_colour(const char *text, double rgb[3])
{
    unsigned r, g, b;
    int used = 0;
    if (text == NULL)
        return false;
    if (strcmp(text, "white") == 0 || strcmp(text, "black") == 0) {
        rgb[0] = rgb[1] = rgb[2] = text[0] == 'w' ? 255 : 0;
        return true;
    }
    if (text[0] == '#') {
        if (strlen(text) != 7)
            return false;
        for (int i = 1; i < 7; i++)
            if (!isxdigit((unsigned char)text[i]))
                return false;
        sscanf(text + 1, "%2x%2x%2x", &r, &g, &b);
    } else if (sscanf(text, "%3u,%3u,%3u%n", &r, &g, &b, &used) != 3 || text[used] != '\0' ||
               !isdigit((unsigned char)text[0]) || r > 255 || g > 255 || b > 255) {
        return false;
    }
    rgb[0] = r;
    rgb[1] = g;
    rgb[2] = b;
    return true;
}

const char *format_ext(format_t f)
{
    switch (f) {
    case FMT_WEBP:
        return "webp";
    case FMT_AVIF:
        return "avif";
    case FMT_PNG:
    case FMT_PNG_KEYS:
        return "png";
    case FMT_GIF:
        return "gif";
    case FMT_JPEG:
    default:
        return "jpg";
    }
}

bool parse_name_template(const char *text, thumb_opts_t *o)
{
    if (!name_template_valid(text))
        return false;
    snprintf(o->name, sizeof o->name, "%s", text);
    return true;
}

bool parse_raw_mode(const char *text, raw_mode_t *m)
{
    static const char *const names[] = {"auto", "preview", "develop", NULL};
    static const int values[] = {RAW_AUTO, RAW_PREVIEW, RAW_DEVELOP};
    int v = lookup(text, names, values);
    *m = v >= 0 ? (raw_mode_t)v : *m;
    return v >= 0;
}

bool parse_resize_path(const char *text, resize_path_t *p)
{
    static const char *const names[] = {"auto", "libvips", NULL};
    static const int values[] = {RESIZE_AUTO, RESIZE_LIBVIPS};
    int v = lookup(text, names, values);
    *p = v >= 0 ? (resize_path_t)v : *p;
    return v >= 0;
}

bool parse_video_at(const char *text, thumb_opts_t *o)
{
    char *end = NULL;
    if (text == NULL || !isdigit((unsigned char)text[0]))
        return false;
    double v = strtod(text, &end);
    bool pct = end != NULL && end[0] == '%' && end[1] == '\0';
    if (end == NULL || (!pct && *end != '\0') || !(v >= 0) || (pct && v > 100) || v > 1e7)
        return false;
    o->video_at = v;
    o->video_at_seconds = !pct;
    return true;
}
