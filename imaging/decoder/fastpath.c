#include "decoder/fastpath.h"

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <libswscale/swscale.h>
#include <vips/vips.h>

#include "decoder/pngfast.h"
#include "decoder/sizes.h"

/* The decode covers each size by at least this factor, leaving Lanczos a part of the reduction.
 * Measured against libvips' own thumbnail of real photos (1800x1200 -> 1024, 5/8 then 1.1x):
 * 1.0 gave 39.8 dB, 1.2 gave 42.2 dB, 2.0 gave 43.2 dB; 1.2 costs a 12 MP photo -> 1024 a 3/8
 * decode instead of 2/8 (+20% CPU there), the price of staying above 40 dB. */
#define FASTPATH_MARGIN 1.2

/* libvips 8.14's JPEG shrink-on-load factor (1, 2, 4 or 8) for box b of a w x h image (as
 * stored; b turned to match): the shrink the box implies (fit, or fill with --crop, never below
 * 1 without --upscale), then the largest of 8, 4, 2 that leaves at least a factor of 2 for its
 * Lanczos pass (vips_thumbnail_find_jpegshrink). */
static int vips_jpeg_shrink(const thumb_opts_t *o, const thumb_size_t *b, int w, int h)
{
    double hs = (double)w / b->width, vs = (double)h / b->height;
    double s = o->crop != CROP_NONE ? fmin(hs, vs) : fmax(hs, vs);
    if (!o->upscale && s < 1)
        s = 1;
    return s >= 16 ? 8 : s >= 8 ? 4 : s >= 4 ? 2 : 1;
}

/* What libvips' thumbnail of the file does for box b (stored orientation): its shrink-on-load
 * factor (a PNG's is 1), and the size it makes by its own rounding (thumb_dims_for) on the shrunk
 * image, whose sides libvips 8.14's jpegload rounds down (2560x866 at 1/4: 640x216); with --crop,
 * the size it fills before cropping. dims {0, 0} if libvips fails. */
typedef struct {
    int shrink;
    thumb_dims_t dims;
    int src_w, src_h; /* the part of the decode it is made from (see span) */
} plan_t;

static plan_t vips_plan(const thumb_opts_t *o, bool png, const thumb_size_t *b, int w, int h)
{
    int j = png ? 1 : vips_jpeg_shrink(o, b, w, h);
    int sw = w / j, sh = h / j;
    thumb_size_t box = o->crop != CROP_NONE ? thumb_fill_box(b, sw, sh) : *b;
    return (plan_t){j, thumb_dims_for(o, &box, sw, sh), 0, 0};
}

/* The pixels of a decode at m/8 of a side of n pixels that span what libvips' shrunk image spans
 * (floor(n/j) pixels of j), so that both resamplers see the picture in the same place: a 4001 px
 * side at 2/8 is 1001 pixels, the last one a quarter, and 1000 of them span libvips' 4000. -1
 * when none do to within 0.1 of a thumbnail's pixel (out of them), or when they are fewer than
 * FASTPATH_MARGIN times out. */
static int span(int m, int j, long n, int out)
{
    long dec = (n * m + 7) / 8, theirs = n / j * j;
    long k = lround(theirs * m / 8.0);
    if (k > dec)
        k = dec;
    if (k < (long)ceil(out * FASTPATH_MARGIN) || fabs(k * 8.0 / m - theirs) * out / n > 0.1)
        return -1;
    return (int)k;
}

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
} jerr_t;

static void jerr_exit(j_common_ptr c)
{
    longjmp(((jerr_t *)c->err)->jump, 1);
}

/* A warning (corrupt data, a premature end) declines too: libvips' path says it in its words. */
static void jerr_message(j_common_ptr c, int level)
{
    if (level < 0)
        longjmp(((jerr_t *)c->err)->jump, 1);
}

/* Pixels: width x height, bands 1 or 3, rows packed (a decode) or planes G, B, R (a size). */
typedef struct {
    unsigned char *px;
    int width, height, bands;
    bool planar;
} pixels_t;

/* Decodes the w x h JPEG in [data, data + len) at scale m/8. False (nothing kept) when libjpeg
 * refuses or warns, or the file is not one the fast path takes. */
static bool decode(const void *data, size_t len, int m, int w, int h, pixels_t *out)
{
    struct jpeg_decompress_struct ci;
    jerr_t err;
    unsigned char *volatile px = NULL;
    ci.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = jerr_exit;
    err.pub.emit_message = jerr_message;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&ci);
        free(px);
        return false;
    }
    jpeg_create_decompress(&ci);
    jpeg_mem_src(&ci, data, (unsigned long)len);
    if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK || ci.data_precision != 8 || ci.arith_code ||
        (int)ci.image_width != w || (int)ci.image_height != h ||
        !((ci.jpeg_color_space == JCS_YCbCr && ci.num_components == 3) ||
          (ci.jpeg_color_space == JCS_GRAYSCALE && ci.num_components == 1)))
        longjmp(err.jump, 1); /* refused, as libjpeg's own errors are */
    ci.scale_num = (unsigned)m;
    ci.scale_denom = 8;
    ci.out_color_space = ci.jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&ci);
    int ow = (int)ci.output_width, oh = (int)ci.output_height, nb = ci.output_components;
    size_t stride = (size_t)ow * (size_t)nb;
    px = malloc(stride * (size_t)oh + 64); /* libswscale may read a little past the end */
    if (px == NULL)
        longjmp(err.jump, 1);
    while (ci.output_scanline < ci.output_height) {
        JSAMPROW row = px + stride * ci.output_scanline;
        jpeg_read_scanlines(&ci, &row, 1);
    }
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    *out = (pixels_t){px, ow, oh, nb, false};
    return true;
}

/* decode on the JPEG in file fd, mapped. */
static bool decode_file(int fd, int m, int w, int h, pixels_t *out)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0)
        return false;
    size_t len = (size_t)st.st_size;
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return false;
    bool ok = decode(map, len, m, w, h, out);
    munmap(map, len);
    return ok;
}

/* The planes of a w x h image in px (one for grey; libswscale's planar G, B, R for colour) as a
 * libvips image in memory, bands R, G, B. Interleaved here, a copy: libvips' bandjoin evaluated
 * to memory starts its thread pool per image, 8% of the decoder's time on small photos. NULL on
 * failure. */
static VipsImage *from_planes(const unsigned char *px, int w, int h, int bands)
{
    size_t plane = (size_t)w * (size_t)h;
    if (bands == 1)
        return vips_image_new_from_memory_copy(px, plane, w, h, 1, VIPS_FORMAT_UCHAR);
    unsigned char *rgb = malloc(plane * 3);
    if (rgb == NULL)
        return NULL;
    const unsigned char *g = px, *b = px + plane, *r = px + 2 * plane;
    for (size_t i = 0; i < plane; i++) {
        rgb[3 * i] = r[i];
        rgb[3 * i + 1] = g[i];
        rgb[3 * i + 2] = b[i];
    }
    VipsImage *img = vips_image_new_from_memory_copy(rgb, plane * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    free(rgb);
    return img;
}

/* Size i's libswscale context for these formats and sizes: the one it had when they are the same
 * (photos of a batch mostly are), else a new one. Making one computes its Lanczos filters (sin()
 * per tap), 8% of the decoder's time on small photos when made per file. Per thread, kept for the
 * decoder's life. NULL on failure. */
static struct SwsContext *scaler(int i, int sw, int sh, enum AVPixelFormat sf, int dw, int dh,
                                 enum AVPixelFormat df)
{
    static _Thread_local struct SwsContext *kept[THUMB_MAX_SIZES];
    kept[i] = sws_getCachedContext(
        kept[i], sw, sh, sf, dw, dh, df,
        SWS_LANCZOS | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
    return kept[i];
}

/* The src_w x src_h top-left part of in scaled by libswscale to d, with size i's scaler, into out
 * (planes: G, B, R for colour, malloc'd). in is the decode (rows packed, RGB or grey) or another
 * size's planes. Colour is scaled into planes: libswscale 6's packed RGB output is its slow part
 * (a 1590x1062 photo to 1024: 29.8 ms to RGB24, 12.6 ms to planar GBRP, same filter). False on
 * failure (nothing kept). */
static bool scale(const pixels_t *in, int src_w, int src_h, thumb_dims_t d, int i, pixels_t *out)
{
    bool grey = in->bands == 1;
    enum AVPixelFormat sf = grey         ? AV_PIX_FMT_GRAY8
                            : in->planar ? AV_PIX_FMT_GBRP
                                         : AV_PIX_FMT_RGB24;
    struct SwsContext *sws =
        scaler(i, src_w, src_h, sf, d.width, d.height, grey ? sf : AV_PIX_FMT_GBRP);
    if (sws == NULL)
        return false;
    size_t plane = (size_t)d.width * (size_t)d.height;
    /* libswscale may read a little past the end of what it is given to scale */
    unsigned char *px = malloc(plane * (size_t)in->bands + 64);
    if (px == NULL)
        return false;
    size_t inplane = (size_t)in->width * (size_t)in->height;
    bool packed = !grey && !in->planar;
    const uint8_t *src[4] = {in->px, packed || grey ? NULL : in->px + inplane,
                             packed || grey ? NULL : in->px + 2 * inplane, NULL};
    int sstride[4] = {in->width * (packed ? 3 : 1), packed || grey ? 0 : in->width,
                      packed || grey ? 0 : in->width, 0};
    uint8_t *dst[4] = {px, grey ? NULL : px + plane, grey ? NULL : px + 2 * plane, NULL};
    int dstride[4] = {d.width, grey ? 0 : d.width, grey ? 0 : d.width, 0};
    if (sws_scale(sws, src, sstride, 0, src_h, dst, dstride) != d.height) {
        free(px);
        return false;
    }
    *out = (pixels_t){px, d.width, d.height, in->bands, true};
    return true;
}

/* Planes made by scale as a libvips image in memory (sRGB or grey); NULL on failure. */
static VipsImage *image_of(const pixels_t *p)
{
    VipsImage *img = from_planes(p->px, p->width, p->height, p->bands);
    if (img != NULL)
        img->Type = p->bands == 1 ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    return img;
}

/* What libvips' thumbnail does after its resize: ICC conversion to sRGB with the embedded profile
 * (when src says so), orientation, crop to size s. Takes img; a new image or NULL (libvips' error
 * set). */
static VipsImage *finish(const thumb_opts_t *o, const fastpath_src_t *src, const thumb_size_t *s,
                         VipsImage *img)
{
    VipsImage *x = NULL;
    if (src->export_profile != NULL && src->icc != NULL) {
        vips_image_set_blob_copy(img, VIPS_META_ICC_NAME, src->icc, src->icc_len);
        int r = vips_icc_transform(img, &x, src->export_profile, "embedded", TRUE, "intent",
                                   VIPS_INTENT_RELATIVE, NULL);
        g_object_unref(img);
        if (r)
            return NULL;
        img = x;
    }
    if (!o->no_rotate && src->orientation > 1) {
        VipsImage *mem = vips_image_copy_memory(img);
        g_object_unref(img);
        if (mem == NULL)
            return NULL;
        vips_image_set_int(mem, VIPS_META_ORIENTATION, src->orientation);
        int r = vips_autorot(mem, &x, NULL);
        g_object_unref(mem);
        if (r)
            return NULL;
        img = x;
    }
    if (o->crop != CROP_NONE) {
        VipsImage *mem = vips_image_copy_memory(img);
        g_object_unref(img);
        if (mem == NULL)
            return NULL;
        int cw = s->width < mem->Xsize ? s->width : mem->Xsize;
        int ch = s->height < mem->Ysize ? s->height : mem->Ysize;
        int r = vips_smartcrop(mem, &x, cw, ch, "interesting", thumb_interesting(o->crop), NULL);
        g_object_unref(mem);
        if (r)
            return NULL;
        img = x;
    }
    return img;
}

/* The pixels of p's size. */
static long area(const plan_t *p)
{
    return (long)p->dims.width * p->dims.height;
}

bool fastpath_make(const thumb_opts_t *o, task_t *t, const fastpath_src_t *src)
{
    if (o->keep_metadata || src->fd < 0)
        return false;
    bool turned = !o->no_rotate && src->orientation >= 5;
    plan_t plan[THUMB_MAX_SIZES];
    int big = 0;
    for (int i = 0; i < o->nsizes; i++) {
        thumb_size_t b = o->sizes[i];
        if (turned)
            b.width = o->sizes[i].height, b.height = o->sizes[i].width;
        plan[i] = vips_plan(o, src->png, &b, src->width, src->height);
        /* Upscaling, or no scaling at all: libvips' path. */
        if (plan[i].dims.width <= 0 || plan[i].dims.width >= src->width ||
            plan[i].dims.height >= src->height)
            return false;
        if (area(&plan[i]) > area(&plan[big]))
            big = i;
    }
    /* The other sizes are scaled from the largest one's pixels (before ICC, orientation and
     * crop), as libvips' path derives them from its largest thumbnail: a 12 MP photo's 256 px
     * from 1024x683 pixels instead of the 1590x1062 decode, 2.4 times fewer. A size not smaller
     * on both sides is scaled from the decode. */
    bool derived[THUMB_MAX_SIZES];
    int from_decode = 0; /* sizes scaled from the decode */
    for (int i = 0; i < o->nsizes; i++) {
        derived[i] = i != big && plan[i].dims.width <= plan[big].dims.width &&
                     plan[i].dims.height <= plan[big].dims.height;
        from_decode += !derived[i];
    }
    /* The smallest scale that suits every size scaled from the decode; none: libvips' path. A
     * PNG is decoded whole (8/8). */
    int m = src->png ? 8 : 1;
    for (bool ok = false; !ok && m <= 8; m += !ok) {
        ok = true;
        for (int i = 0; ok && i < o->nsizes; i++) {
            if (derived[i])
                continue;
            plan[i].src_w = span(m, plan[i].shrink, src->width, plan[i].dims.width);
            plan[i].src_h = span(m, plan[i].shrink, src->height, plan[i].dims.height);
            ok = plan[i].src_w > 0 && plan[i].src_h > 0;
        }
    }
    if (m > 8)
        return false;
    pixels_t px = {.width = src->width, .height = src->height};
    if (src->png ? (px.px = pngfast_decode(src->fd, px.width, px.height, &px.bands)) == NULL
                 : !decode_file(src->fd, m, src->width, src->height, &px))
        return false;
    int small = 0; /* --placeholder: from the smallest thumbnail, as libvips' path does */
    for (int i = 1; i < o->nsizes; i++)
        if (area(&plan[i]) < area(&plan[small]))
            small = i;
    pixels_t bigpx = {0};
    bool keep_big = from_decode < o->nsizes; /* some size is scaled from the largest's pixels */
    /* The largest first, whose pixels the others may be scaled from. */
    for (int k = 0; k < o->nsizes && t->error == NULL; k++) {
        int i = k == 0 ? big : k <= big ? k - 1 : k;
        pixels_t sp;
        bool scaled = derived[i] ? scale(&bigpx, bigpx.width, bigpx.height, plan[i].dims, i, &sp)
                                 : scale(&px, plan[i].src_w, plan[i].src_h, plan[i].dims, i, &sp);
        VipsImage *img = scaled ? image_of(&sp) : NULL;
        if (scaled && i == big && keep_big)
            bigpx = sp;
        else if (scaled)
            free(sp.px);
        if (!derived[i] && --from_decode == 0) { /* the decode's last use: no peak of both */
            free(px.px);
            px.px = NULL;
        }
        if (img == NULL) {
            task_fail(t, TASK_FAILED, "cannot resize thumbnail: libswscale failed");
            break;
        }
        if ((img = finish(o, src, &o->sizes[i], img)) == NULL) {
            thumb_fail_vips(t, "cannot resize thumbnail");
            break;
        }
        int r = thumb_encode(o, img, &t->outs[i], t,
                             o->placeholder != PLACEHOLDER_NONE && i == small ? &t->meta : NULL);
        g_object_unref(img);
        if (r)
            thumb_fail_vips(t, "cannot encode thumbnail");
    }
    free(bigpx.px);
    free(px.px);
    t->meta.fast = src->png ? FAST_PNG : FAST_JPEG;
    return true;
}
