#include "decoder/placeholder.h"

#include "decoder/blurhash.h"
#include "decoder/thumbhash.h"

#include <libswscale/swscale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

/* The libswscale context that fits bands-band 8-bit pixels of w x h into dw x dh: the one it had
 * when the sizes are the same (a batch's photos mostly are), else a new one. Per thread, kept for
 * the decoder's life. NULL on failure. */
static struct SwsContext *fitter(int w, int h, int bands, int dw, int dh)
{
    static const enum AVPixelFormat fmt[] = {AV_PIX_FMT_GRAY8, AV_PIX_FMT_YA8, AV_PIX_FMT_RGB24,
                                             AV_PIX_FMT_RGBA};
    static _Thread_local struct SwsContext *kept;
    kept = sws_getCachedContext(kept, w, h, fmt[bands - 1], dw, dh, fmt[bands - 1],
                                SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT |
                                    SWS_FULL_CHR_H_INP,
                                NULL, NULL, NULL);
    return kept;
}

/* px (w x h, bands) fitted into 100 x 100 by libswscale, into *out (malloc'd, *w and *h updated).
 * False on failure. */
static bool fit(const uint8_t *px, int *w, int *h, int bands, uint8_t **out)
{
    int big = *w > *h ? *w : *h;
    int dw = (int)((double)*w * 100 / big + 0.5), dh = (int)((double)*h * 100 / big + 0.5);
    dw = dw < 1 ? 1 : dw;
    dh = dh < 1 ? 1 : dh;
    struct SwsContext *sws = fitter(*w, *h, bands, dw, dh);
    /* libswscale may read and write a little past the ends of what it is given */
    size_t len = (size_t)*w * (size_t)*h * (size_t)bands;
    uint8_t *in = malloc(len + 64), *o = malloc((size_t)dw * (size_t)dh * (size_t)bands + 64);
    bool ok = sws != NULL && in != NULL && o != NULL;
    if (ok) {
        memcpy(in, px, len);
        const uint8_t *src[4] = {in};
        uint8_t *dst[4] = {o};
        int sstride[4] = {*w * bands}, dstride[4] = {dw * bands};
        ok = sws_scale(sws, src, sstride, 0, *h, dst, dstride) == dh;
    }
    free(in);
    if (!ok) {
        free(o);
        return false;
    }
    *out = o;
    *w = dw;
    *h = dh;
    return true;
}

int placeholder_make(VipsImage *im, unsigned which, task_meta_t *m)
{
    VipsObject *scope = VIPS_OBJECT(vips_image_new());
    VipsImage **x = (VipsImage **)vips_object_local_array(scope, 2);
    VipsImage *cur = im;
    uint8_t *fitted = NULL;
    int rc = -1;
    int page = vips_image_get_page_height(cur);
    if (page < cur->Ysize) { /* an animation: its first frame */
        if (vips_extract_area(cur, &x[0], 0, 0, cur->Xsize, page, NULL))
            goto out;
        cur = x[0];
    }
    if (cur->BandFmt != VIPS_FORMAT_UCHAR || cur->Bands > 4) {
        vips_error("placeholder", "want 8-bit grey or RGB, with or without alpha");
        goto out;
    }
    if ((x[1] = vips_image_copy_memory(cur)) == NULL)
        goto out;
    int w = x[1]->Xsize, h = x[1]->Ysize, bands = x[1]->Bands;
    const uint8_t *px = VIPS_IMAGE_ADDR(x[1], 0, 0);
    if (w > 100 || h > 100) {
        if (!fit(px, &w, &h, bands, &fitted)) {
            vips_error("placeholder", "libswscale cannot fit the image into 100 x 100");
            goto out;
        }
        px = fitted;
    }
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
    free(fitted);
    g_object_unref(scope);
    return rc;
}
