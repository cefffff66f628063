#include "decoder/placeholder.h"

#include "decoder/blurhash.h"
#include "decoder/thumbhash.h"

/* bytes as padded base64 (RFC 4648) into out (at least 4 * ((n + 2) / 3) + 1 bytes). */
static void base64(const uint8_t *bytes, size_t n, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)bytes[i] << 16 | (i + 1 < n ? (uint32_t)bytes[i + 1] << 8 : 0) |
                     (i + 2 < n ? bytes[i + 2] : 0);
        *out++ = abc[v >> 18 & 63];
        *out++ = abc[v >> 12 & 63];
        *out++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
        *out++ = i + 2 < n ? abc[v & 63] : '=';
    }
    *out = '\0';
}

_Static_assert(sizeof((task_meta_t *)0)->thumbhash >= 4 * ((THUMBHASH_MAX + 2) / 3) + 1,
               "room for a ThumbHash in base64");
_Static_assert(sizeof((task_meta_t *)0)->blurhash >= 2 * 4 * 3 + 5, "room for a 4 x 3 BlurHash");

int placeholder_make(VipsImage *im, unsigned which, task_meta_t *m)
{
    VipsObject *scope = VIPS_OBJECT(vips_image_new());
    VipsImage **x = (VipsImage **)vips_object_local_array(scope, 4);
    VipsImage *cur = im;
    int rc = -1;
    int page = vips_image_get_page_height(cur);
    if (page < cur->Ysize) { /* an animation: its first frame */
        if (vips_extract_area(cur, &x[0], 0, 0, cur->Xsize, page, NULL))
            goto out;
        cur = x[0];
    }
    int big = cur->Xsize > cur->Ysize ? cur->Xsize : cur->Ysize;
    if (big > 100) {
        if (vips_resize(cur, &x[1], 100.0 / big, "kernel", VIPS_KERNEL_LINEAR, NULL))
            goto out;
        cur = x[1];
        if (cur->Xsize > 100 || cur->Ysize > 100) { /* (a rounding up) */
            if (vips_crop(cur, &x[2], 0, 0, VIPS_MIN(cur->Xsize, 100), VIPS_MIN(cur->Ysize, 100),
                          NULL))
                goto out;
            cur = x[2];
        }
    }
    if (cur->BandFmt != VIPS_FORMAT_UCHAR || cur->Bands > 4) {
        vips_error("placeholder", "want 8-bit grey or RGB, with or without alpha");
        goto out;
    }
    if ((x[3] = vips_image_copy_memory(cur)) == NULL)
        goto out;
    int w = x[3]->Xsize, h = x[3]->Ysize, bands = x[3]->Bands;
    const uint8_t *px = VIPS_IMAGE_ADDR(x[3], 0, 0);
    if (which & PLACEHOLDER_THUMBHASH) {
        uint8_t hash[THUMBHASH_MAX];
        size_t n = thumbhash_encode(w, h, bands, px, hash);
        if (n == 0) {
            vips_error("placeholder", "out of memory");
            goto out;
        }
        base64(hash, n, m->thumbhash);
    }
    if (which & PLACEHOLDER_BLURHASH)
        blurhash_encode(w, h, bands, px, w >= h ? 4 : 3, w >= h ? 3 : 4, m->blurhash);
    rc = 0;
out:
    g_object_unref(scope);
    return rc;
}
