#include "decoder/cachepng.h"

#include <inttypes.h>
#include <stdbool.h>
#include <zlib.h>
#include <stdio.h>
#include <string.h>

#include "decoder/sizes.h"

/* A copy of in with every metadata field removed (built-in header fields stay: not removable). */
static VipsImage *bare(VipsImage *in)
{
    VipsImage *out;
    if (vips_copy(in, &out, NULL))
        return NULL;
    gchar **fields = vips_image_get_fields(out);
    for (int i = 0; fields[i] != NULL; i++)
        vips_image_remove(out, fields[i]);
    g_strfreev(fields);
    return out;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* Appends one text chunk (key, value) at *p, moving *p past it: tEXt when the value is ASCII
 * (so Latin-1, as tEXt must be), else an uncompressed iTXt holding UTF-8. */
static void text_chunk(unsigned char **p, const char *key, const char *value)
{
    bool ascii = true;
    for (const char *c = value; *c; c++)
        ascii &= (unsigned char)*c < 0x80;
    size_t kl = strlen(key) + 1, vl = strlen(value);
    static const char itxt_head[4] = {0, 0, 0, 0}; /* not compressed, method, no language or
                                                     translated key (each ends in a NUL) */
    size_t hl = ascii ? 0 : sizeof itxt_head;
    unsigned char *c = *p;
    put32(c, (uint32_t)(kl + hl + vl));
    memcpy(c + 4, ascii ? "tEXt" : "iTXt", 4);
    memcpy(c + 8, key, kl);
    memcpy(c + 8 + kl, itxt_head, hl);
    memcpy(c + 8 + kl + hl, value, vl);
    size_t data = 4 + kl + hl + vl;
    put32(c + 4 + data, (uint32_t)crc32(0, c + 4, (uInt)data));
    *p = c + 8 + data;
}

/* The keys, as text chunks inserted after IHDR into the PNG libvips made (libvips 8.14 writes its
 * own text fields as zTXt, which GLib's thumbnail check does not read). g_malloc'd *out. */
static int add_keys(const void *png, size_t len, const char *const (*kv)[2], size_t n, void **out,
                    size_t *outlen)
{
    enum { AFTER_IHDR = 8 + 8 + 13 + 4 }; /* signature, then IHDR's length, type, data, CRC */
    if (len < AFTER_IHDR || memcmp((const char *)png + 12, "IHDR", 4) != 0) {
        vips_error("cachepng", "libvips made an unexpected PNG");
        return -1;
    }
    size_t extra = 0;
    for (size_t i = 0; i < n; i++)
        if (kv[i][1] != NULL)
            extra += 12 + strlen(kv[i][0]) + 1 + 4 + strlen(kv[i][1]);
    unsigned char *buf = g_malloc(len + extra), *p = buf + AFTER_IHDR;
    memcpy(buf, png, AFTER_IHDR);
    for (size_t i = 0; i < n; i++)
        if (kv[i][1] != NULL)
            text_chunk(&p, kv[i][0], kv[i][1]);
    memcpy(p, (const char *)png + AFTER_IHDR, len - AFTER_IHDR);
    *out = buf;
    *outlen = (size_t)(p - buf) + len - AFTER_IHDR;
    return 0;
}

int cachepng_encode(VipsImage *in, const task_t *t, void **buf, size_t *len)
{
    VipsImage *rgba = NULL;
    if (vips_image_hasalpha(in))
        rgba = g_object_ref(in);
    else if (vips_bandjoin_const1(in, &rgba, 255.0, NULL))
        return -1;
    VipsImage *plain = bare(rgba);
    g_object_unref(rgba);
    if (plain == NULL)
        return -1;
    /* zlib level 1: on bench/run.sh's photos the cache's normal+large took 1.37-1.42 s at level 6
     * (libvips' default) and 1.25 s at level 1, for files 4% larger (4.46 MB against 4.30 MB for
     * 80). */
    void *png = NULL;
    size_t n = 0;
    int rc = vips_pngsave_buffer(plain, &png, &n, "strip", TRUE, "interlace", FALSE, "compression",
                                 1, NULL);
    g_object_unref(plain);
    if (rc)
        return -1;
    char num[5][32];
    const task_meta_t *m = &t->meta;
    snprintf(num[0], sizeof num[0], "%" PRId64, (int64_t)t->mtime.tv_sec);
    snprintf(num[1], sizeof num[1], "%" PRIu64, t->size);
    snprintf(num[2], sizeof num[2], "%d", m->width);
    snprintf(num[3], sizeof num[3], "%d", m->height);
    snprintf(num[4], sizeof num[4], "%.0f", m->duration);
    const char *const kv[][2] = {{"Thumb::URI", t->uri},
                                 {"Thumb::MTime", num[0]},
                                 {"Thumb::Size", num[1]},
                                 {"Thumb::Mimetype", m->mime[0] ? m->mime : NULL},
                                 {"Thumb::Image::Width", m->width > 0 ? num[2] : NULL},
                                 {"Thumb::Image::Height", m->height > 0 ? num[3] : NULL},
                                 {"Thumb::Movie::Length", m->duration > 0 ? num[4] : NULL},
                                 {"Software", "thumbgen " TG_VERSION}};
    rc = add_keys(png, n, kv, sizeof kv / sizeof kv[0], buf, len);
    g_free(png);
    return rc;
}

void cachepng_fail_entry(task_t *t)
{
    VipsImage *px, *srgb = NULL; /* vips_black makes 8-bit pixels, all zero: transparent black */
    task_t only = {.uri = t->uri, .mtime = t->mtime, .size = t->size};
    int rc = vips_black(&px, 1, 1, "bands", 4, NULL);
    if (rc == 0) {
        rc = vips_copy(px, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
        g_object_unref(px);
    }
    if (rc == 0)
        rc = cachepng_encode(srgb, &only, &t->fail.buf, &t->fail.len);
    VIPS_UNREF(srgb);
    if (rc == 0)
        t->status = TASK_MADE;
    else
        thumb_fail_vips(t, "cannot make a failure entry");
}

const char *cachepng_mime(const char *loader, const char *name)
{
    static const struct {
        const char *part, *mime;
    } t[] = {{"jpeg", "image/jpeg"},       {"png", "image/png"},
             {"webp", "image/webp"},       {"gif", "image/gif"},
             {"tiff", "image/tiff"},       {"svg", "image/svg+xml"},
             {"pdf", "application/pdf"},   {"jp2k", "image/jp2"},
             {"jxl", "image/jxl"},         {"ppm", "image/x-portable-anymap"},
             {"openexr", "image/x-exr"},   {"fits", "image/fits"},
             {"rad", "image/vnd.radiance"}};
    if (loader == NULL)
        return NULL;
    char *low = g_ascii_strdown(loader, -1); /* "VipsForeignLoadNsgifFile" */
    const char *mime = NULL;
    if (strstr(low, "heif")) {
        const char *dot = strrchr(name, '.');
        mime = dot && g_ascii_strcasecmp(dot, ".avif") == 0 ? "image/avif" : "image/heif";
    }
    for (size_t i = 0; mime == NULL && i < sizeof t / sizeof t[0]; i++)
        if (strstr(low, t[i].part)) /* "vipsforeignload" itself holds none of them */
            mime = t[i].mime;
    g_free(low);
    return mime;
}
