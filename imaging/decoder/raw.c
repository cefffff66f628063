/* The camera RAW family (codec.h), through LibRaw: DNG and every maker's format LibRaw identifies,
 * read from the descriptor the decoder was handed (mapped into memory: LibRaw opens no path).
 *
 *   - Preview: when the file embeds a JPEG preview at least as large as every size asked for (most
 *     cameras embed one of 1,600 px to full size; --raw auto), or whenever it has one (--raw
 *     preview), libvips thumbnails that JPEG (shrink-on-load) and turns it by the camera's own
 *     orientation, whether the preview carries EXIF or not.
 *   - Developed: otherwise LibRaw demosaics the raw data (half size when every size fits in half
 *     the sensor: 4x less work) with the camera's white balance into 8-bit sRGB, and libvips
 *     resizes and encodes that.
 * LibRaw's own raw-memory limit follows --max-memory; the decoder's address-space limit and
 * deadline bound it too. A file LibRaw refuses fails with LibRaw's reason in words. */
#include <ctype.h>
#include <libraw.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <vips/vips.h>

#include "decoder/codec.h"
#include "decoder/sizes.h"

static unsigned max_raw_mb; /* LibRaw's limit on the raw data it allocates; 0: its default */

static void raw_setup(uint64_t max_memory_mib)
{
    max_raw_mb = max_memory_mib > 0 && max_memory_mib < 1u << 20 ? (unsigned)max_memory_mib : 0;
}

/* Fails t with LibRaw's reason, in words, after `what`. */
static void fail_libraw(task_t *t, const char *what, int rc)
{
    char reason[160];
    snprintf(reason, sizeof reason, "%s", libraw_strerror(rc));
    reason[0] = (char)tolower((unsigned char)reason[0]);
    task_fail(t, TASK_FAILED, "%s: LibRaw: %s", what, reason);
}

/* The EXIF orientation of LibRaw's flip (0 none, 3 180 degrees, 5 90 anticlockwise, 6 90
 * clockwise), for libvips' autorot. */
static int orientation_of(int flip)
{
    return flip == 3 ? 3 : flip == 5 ? 8 : flip == 6 ? 6 : 1;
}

/* The box of size s as the stored (not yet turned) picture needs it. */
static thumb_size_t stored_box(const thumb_size_t *s, int orientation)
{
    thumb_size_t b = *s;
    if (orientation >= 5) {
        b.width = s->height;
        b.height = s->width;
    }
    return b;
}

/* True when the preview (pw x ph, stored) is at least as large as every size of the full image
 * (w x h, stored) would be: thumbnailing it then gives the same pixels' worth. */
static bool preview_enough(const thumb_opts_t *o, int pw, int ph, int w, int h, int orientation)
{
    for (int i = 0; i < o->nsizes; i++) {
        thumb_size_t b = stored_box(&o->sizes[i], orientation);
        double s = thumb_scale_for(o, &b, w, h);
        if (s > 1 && !o->upscale)
            s = 1;
        if (w * s > pw + 0.5 || h * s > ph + 0.5)
            return false;
    }
    return true;
}

/* Thumbnails the embedded JPEG preview. */
static void from_preview(const thumb_opts_t *o, task_t *t, libraw_data_t *lr, int orientation,
                         int big)
{
    libraw_thumbnail_t *th = &lr->thumbnail;
    VipsSource *src = vips_source_new_from_memory(th->thumb, th->tlength);
    thumb_size_t b = stored_box(&o->sizes[big], o->no_rotate ? 1 : orientation);
    bool fill = o->crop != CROP_NONE && o->nsizes > 1; /* uncropped: thumb_sizes crops each */
    if (fill)
        b = thumb_fill_box(&b, th->twidth, th->theight);
    /* A preview tagged with a wide gamut's profile (a camera set to Adobe RGB) is converted to
     * sRGB with it, as any other ICC-tagged image is (thumbnail.c). */
    VipsImage *hdr = vips_image_new_from_buffer(th->thumb, th->tlength, "", NULL);
    const char *eprofile = hdr != NULL && hdr->Bands >= 3 && !o->keep_metadata &&
                                   vips_image_get_typeof(hdr, VIPS_META_ICC_NAME) != 0
                               ? "srgb"
                               : NULL;
    VIPS_UNREF(hdr);
    vips_error_clear(); /* a preview libvips cannot read fails below, in words */
    VipsImage *img = NULL, *up = NULL;
    if (src != NULL &&
        vips_thumbnail_source(src, &img, b.width, "option_string", "fail_on=truncated", "height",
                              b.height, "size", o->upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN,
                              "crop", fill ? VIPS_INTERESTING_NONE : thumb_interesting(o->crop),
                              "no_rotate", TRUE, "fail_on", VIPS_FAIL_ON_TRUNCATED,
                              "export_profile", eprofile, NULL) == 0)
        up = o->no_rotate ? (g_object_ref(img), img) : thumb_upright(img, orientation);
    if (up == NULL)
        thumb_fail_vips(t, "cannot read the RAW file's preview");
    else
        thumb_sizes(o, t, up, big, NULL);
    VIPS_UNREF(up);
    VIPS_UNREF(img);
    VIPS_UNREF(src);
}

/* Develops the raw data: half size when it suffices, camera white balance, 8-bit sRGB; LibRaw
 * turns it upright itself (unless --no-rotate). */
static void develop(const thumb_opts_t *o, task_t *t, libraw_data_t *lr, int big)
{
    bool half = true;
    for (int i = 0; half && i < o->nsizes; i++)
        half = thumb_scale_for(o, &o->sizes[i], t->meta.width, t->meta.height) <= 0.5;
    lr->params.half_size = half;
    lr->params.use_camera_wb = 1;
    lr->params.output_color = 1; /* sRGB */
    lr->params.output_bps = 8;
    if (o->no_rotate)
        lr->params.user_flip = 0;
    int rc = libraw_unpack(lr);
    if (rc == LIBRAW_SUCCESS)
        rc = libraw_dcraw_process(lr);
    libraw_processed_image_t *img =
        rc == LIBRAW_SUCCESS ? libraw_dcraw_make_mem_image(lr, &rc) : NULL;
    if (img == NULL) {
        fail_libraw(t, "cannot develop the RAW file", rc);
        return;
    }
    VipsImage *px = NULL, *srgb = NULL, *small = NULL;
    const thumb_size_t *s = &o->sizes[big];
    if (img->type != LIBRAW_IMAGE_BITMAP || img->colors != 3 || img->bits != 8) {
        task_fail(t, TASK_FAILED, "cannot develop the RAW file: LibRaw gave no 8-bit RGB image");
    } else if ((px = vips_image_new_from_memory_copy(img->data, img->data_size, img->width,
                                                     img->height, 3, VIPS_FORMAT_UCHAR)) == NULL ||
               vips_copy(px, &srgb, "interpretation", VIPS_INTERPRETATION_sRGB, NULL) ||
               thumb_resize(o, srgb, s, &small)) {
        thumb_fail_vips(t, "cannot resize the developed RAW image");
    } else {
        thumb_sizes(o, t, small, big, NULL);
    }
    VIPS_UNREF(small);
    VIPS_UNREF(srgb);
    VIPS_UNREF(px);
    libraw_dcraw_clear_mem(img);
}

static void raw_make(const thumb_opts_t *o, task_t *t)
{
    struct stat st;
    if (fstat(t->fd, &st) != 0 || st.st_size == 0) {
        task_fail(t, TASK_FAILED, "empty file");
        return;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, t->fd, 0);
    libraw_data_t *lr = map != MAP_FAILED ? libraw_init(0) : NULL;
    if (lr == NULL) {
        task_fail(t, TASK_FAILED, "cannot read the RAW file: out of memory");
        if (map != MAP_FAILED)
            munmap(map, (size_t)st.st_size);
        return;
    }
    if (max_raw_mb > 0)
        lr->params.max_raw_memory_mb = max_raw_mb;
    int rc = libraw_open_buffer(lr, map, (size_t)st.st_size);
    int w = lr->sizes.width, h = lr->sizes.height;
    int orientation = orientation_of(lr->sizes.flip);
    if (rc != LIBRAW_SUCCESS) {
        fail_libraw(t, "cannot read image header", rc);
    } else if ((uint64_t)w * (uint64_t)h > o->max_pixels) {
        task_fail(t, TASK_FAILED, "image too large: %dx%d pixels, limit %llu (see --max-pixels)", w,
                  h, (unsigned long long)o->max_pixels);
    } else {
        bool side = orientation >= 5 && !o->no_rotate;
        t->meta.width = side ? h : w; /* as shown */
        t->meta.height = side ? w : h;
        int big = thumb_largest(o, t->meta.width, t->meta.height);
        bool preview =
            o->raw != RAW_DEVELOP && libraw_unpack_thumb(lr) == LIBRAW_SUCCESS &&
            lr->thumbnail.tformat == LIBRAW_THUMBNAIL_JPEG &&
            (o->raw == RAW_PREVIEW || preview_enough(o, lr->thumbnail.twidth, lr->thumbnail.theight,
                                                     w, h, o->no_rotate ? 1 : orientation));
        if (preview)
            from_preview(o, t, lr, orientation, big);
        else
            develop(o, t, lr, big);
    }
    libraw_close(lr);
    munmap(map, (size_t)st.st_size);
}

const codec_t tg_codec_raw = {.setup = raw_setup, .make = raw_make};
