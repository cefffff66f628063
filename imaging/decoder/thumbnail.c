#include "decoder/thumbnail.h"

#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <vips/vips.h>

#include "decoder/cachepng.h"
#include "core/filetype.h"
#include "decoder/frames.h"
#include "decoder/heiforient.h"
#include "decoder/fastpath.h"
#include "decoder/nclx.h"
#include "decoder/sizes.h"

/* libvips logs a GLib warning per failed tile ("error in tile 0 x 40") on top of the error it
 * returns; the returned error is what we report, once, as "thumbgen: PATH: reason". */
static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain, (void)level, (void)msg, (void)data;
}

void thumb_global_setup(int vips_threads_per_image)
{
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE, quiet_log, NULL);
    vips_concurrency_set(vips_threads_per_image > 0 ? vips_threads_per_image : 1);
    /* liborc (libvips' SIMD code generator) stays on. Its race: orc 0.4.33 frees generated code
     * (orc_code_free) without the lock that guards allocating it, so two threads building or
     * disposing of operations at once corrupt its chunk list; in-process, two workers finishing
     * images together did that. A decoder handles one image at a time and builds and disposes
     * of every operation in its main thread (libvips' pool threads only evaluate): under gdb,
     * every orc_code_allocate_codemem and orc_code_free of a decoder's run, sizes 128,512,1024
     * with --crop attention, and of the whole fault suite, is on thread 1. Vector code makes
     * 1024 px thumbnails 22% faster; VIPS_NOVECTOR=1 still turns it off. */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
}

/* Loaders that would turn any text file into an "image": not for thumbnails. */
static bool data_loader(const char *loader)
{
    return strstr(loader, "Csv") || strstr(loader, "Matrix") || strstr(loader, "Raw");
}

/* Where a source's bytes come from: a descriptor that libvips reads through one VipsSource (one
 * open, one sniff of the first bytes, then every loader works from those bytes in memory); for a
 * loader that takes bytes in memory but not a VipsSource (ImageMagick's: BMP, ICO...), the
 * descriptor mapped; only for the few formats libvips 8.14 reads from a named file alone
 * (OpenEXR, FITS, OpenSlide...), the path. Not the path where bytes will do: the bytes are the
 * same whatever the source (a local file, a download in a memory file), a name is not
 * (ImageMagick's policy refuses /proc/self/fd/N of a memory file). */
typedef struct {
    VipsSource *source; /* NULL: from map, else by path */
    void *map;          /* the descriptor mapped (NULL: none) */
    size_t len;
    const char *path;
    bool animated;  /* every frame (--animated, an animated source, an output that animates) */
    bool in_memory; /* animated, through frames_load */
    const char *export_profile; /* "srgb" for an ICC-tagged colour source, else NULL */
    bool jpeg;                  /* libvips' JPEG loader: any warning of libjpeg's fails it */
} input_t;

/* Thumbnails the input at size s, shrinking on load. (libvips 8.14's vips_thumbnail_source and
 * _buffer do not pass their fail_on to the loader, so a truncated JPEG in memory came out as a
 * grey-bottomed thumbnail instead of an error; the fault tests caught it. Each is given fail_on
 * in its loader's option string for that reason.) A JPEG fails on any warning, as sharp's default
 * does: libjpeg only warns of corrupt data ("premature end of data segment") and fills what it
 * could not decode with grey, which "truncated" lets through. */
static VipsImage *thumb_one(const thumb_opts_t *o, const thumb_size_t *s, const input_t *in,
                            VipsInteresting crop, gboolean no_rotate)
{
    VipsImage *out = NULL;
    VipsSize sz = o->upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN;
    VipsFailOn fail = in->jpeg ? VIPS_FAIL_ON_WARNING : VIPS_FAIL_ON_TRUNCATED;
    const char *opts = in->jpeg       ? "fail_on=warning"
                       : in->animated ? "fail_on=truncated,n=-1"
                                      : "fail_on=truncated";
    if (in->in_memory) {
        VipsImage *frames;
        int r = frames_load(in->source, &frames) == 0
                    ? vips_thumbnail_image(frames, &out, s->width, "height", s->height, "size", sz,
                                           "crop", crop, "no_rotate", no_rotate, "export_profile",
                                           in->export_profile, NULL)
                    : -1;
        VIPS_UNREF(frames);
        return r == 0 ? out : NULL;
    }
    if (in->map != NULL) {
        int r = vips_thumbnail_buffer(in->map, in->len, &out, s->width, "option_string", opts,
                                      "height", s->height, "size", sz, "crop", crop, "no_rotate",
                                      no_rotate, "export_profile", in->export_profile, NULL);
        return r == 0 ? out : NULL;
    }
    int r = in->source != NULL
                ? vips_thumbnail_source(in->source, &out, s->width, "option_string", opts, "height",
                                        s->height, "size", sz, "crop", crop, "no_rotate", no_rotate,
                                        "fail_on", fail, "export_profile", in->export_profile, NULL)
                : vips_thumbnail(in->path, &out, s->width, "height", s->height, "size", sz, "crop",
                                 crop, "no_rotate", no_rotate, "fail_on", fail, "export_profile",
                                 in->export_profile, NULL);
    return r == 0 ? out : NULL;
}

/* The size the input's loader gives size s of a w x h image (as shown) without --crop: a lazy
 * thumbnail whose pixels are never computed (upright by swapping the box, as turning it would
 * compute them). Each loader shrinks on load with its own rounding (JPEG by 2, 4 or 8, WebP to
 * scale), so that a size derived from another equals vipsthumbnail's only when the loader is
 * asked. {0, 0} when it fails. */
static thumb_dims_t probe(const thumb_opts_t *o, const thumb_size_t *s, const input_t *in,
                          bool turned)
{
    thumb_size_t box = *s;
    if (turned)
        box.width = s->height, box.height = s->width;
    VipsImage *im = thumb_one(o, &box, in, VIPS_INTERESTING_NONE, TRUE);
    thumb_dims_t d = {0, 0};
    if (im != NULL)
        d = turned ? (thumb_dims_t){im->Ysize, im->Xsize} : (thumb_dims_t){im->Xsize, im->Ysize};
    else
        vips_error_clear();
    VIPS_UNREF(im);
    return d;
}

/* True when fd holds an Analyze 7.5 header (.hdr): 348 bytes that begin with their own size, 348,
 * in either byte order. Its pixels are in a second file, NAME.img, which libvips opens by name. */
static bool analyze_header(int fd)
{
    unsigned char h[4];
    if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
        return false;
    uint32_t le = h[0] | h[1] << 8 | h[2] << 16 | (uint32_t)h[3] << 24;
    uint32_t be = h[3] | h[2] << 8 | h[1] << 16 | (uint32_t)h[0] << 24;
    return le == 348 || be == 348;
}

/* True when loader ("VipsForeignLoadXBuffer") has a source form, whose sniff has had its say. */
static bool has_source_form(const char *loader)
{
    size_t n = strlen(loader);
    char name[128];
    if (n < 6 || n >= sizeof name || strcmp(loader + n - 6, "Buffer") != 0)
        return true;
    snprintf(name, sizeof name, "%.*sSource", (int)(n - 6), loader);
    return g_type_from_name(name) != 0;
}

/* The loader for fd's bytes (size of them) in memory when it takes them only there, not from a
 * VipsSource, with them mapped into in; NULL (nothing mapped) when there is none. */
static const char *find_load_mapped(int fd, size_t size, input_t *in)
{
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return NULL;
    const char *loader = vips_foreign_find_load_buffer(map, size);
    if (loader == NULL || data_loader(loader) || has_source_form(loader)) {
        munmap(map, size);
        vips_error_clear();
        return NULL;
    }
    in->map = map;
    in->len = size;
    return loader;
}

/* Opens t's input (t->fd when the caller has the file open, else t->src) and finds its loader.
 * Returns the loader's name, or NULL with t failed or skipped. */
static const char *open_input(task_t *t, input_t *in)
{
    int fd = t->fd >= 0 ? t->fd : open(t->src, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        /* Plainly, rather than through every loader's attempt at it. */
        task_fail(t, TASK_FAILED, "cannot open: %s", strerror(errno));
        return NULL;
    }
    in->path = t->src;
    in->source = vips_source_new_from_descriptor(fd); /* dups fd */
    const char *loader = in->source ? vips_foreign_find_load_source(in->source) : NULL;
    bool empty = false, analyze = false;
    if (loader == NULL) { /* empty, not an image, or a format libvips reads only by name */
        VIPS_UNREF(in->source);
        vips_error_clear();
        struct stat st;
        empty = fstat(fd, &st) == 0 && st.st_size == 0;
        const char *dot = strrchr(t->rel, '.');
        analyze =
            !empty && dot != NULL && g_ascii_strcasecmp(dot, ".hdr") == 0 && analyze_header(fd);
        if (!empty && !analyze && (loader = find_load_mapped(fd, (size_t)st.st_size, in)) == NULL)
            loader = vips_foreign_find_load(t->src);
    }
    if (fd != t->fd)
        close(fd);
    if (loader == NULL || data_loader(loader)) {
        VIPS_UNREF(in->source);
        vips_error_clear();
        if (analyze)
            task_fail(t, TASK_FAILED,
                      "an Analyze image: its pixels are in the .img file beside it, which a "
                      "sandboxed decoder is not given (convert it first, e.g. vips copy x.hdr "
                      "x.v)");
        else if (empty && has_image_extension(t->rel))
            task_fail(t, TASK_FAILED, "empty file");
        else if (has_image_extension(t->rel))
            task_fail(t, TASK_FAILED, "not a recognised image format");
        else
            task_fail(t, TASK_SKIPPED, "not an image");
        return NULL;
    }
    return loader;
}

/* Records the source as shown: w x h, turned upright when turned, and its MIME type if wanted. */
static void shown(const thumb_opts_t *o, task_t *t, const char *loader, int w, int h, bool turned)
{
    t->meta.width = turned ? h : w;
    t->meta.height = turned ? w : h;
    const char *mime = o->want_mime ? cachepng_mime(loader, t->rel) : NULL;
    if (mime != NULL)
        snprintf(t->meta.mime, sizeof t->meta.mime, "%s", mime);
}

/* The work of vips_make once the input is open. */
static void make_from(const thumb_opts_t *o, task_t *t, input_t *in, const char *loader)
{
    /* Header only: refuse decompression bombs before any pixel is decoded. */
    VipsImage *hdr =
        in->source
            ? vips_image_new_from_source(in->source, "", "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL)
        : in->map ? vips_image_new_from_buffer(in->map, in->len, "", "fail_on",
                                               VIPS_FAIL_ON_TRUNCATED, NULL)
                  : vips_image_new_from_file(in->path, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (hdr == NULL) {
        thumb_fail_vips(t, "cannot read image header");
        return;
    }
    int w = hdr->Xsize, h = hdr->Ysize;
    int orientation = vips_image_get_orientation(hdr);
    int frames = vips_image_get_n_pages(hdr);
    int bands = hdr->Bands;
    /* An ICC-tagged colour image (Display P3 from a phone, Adobe RGB or ProPhoto from a camera or
     * an editor) is converted to sRGB with its profile, as vipsthumbnail --eprofile srgb does:
     * vips_thumbnail converts only when given an export profile, and the profile itself is
     * stripped with the rest of the metadata, so its pixels taken for sRGB would look dull.
     * --keep-metadata keeps the gamut and embeds the profile. An untagged image is sRGB already
     * and is left as it is; a grey one stays grey (CMYK is converted by libvips either way). */
    bool icc = vips_image_get_typeof(hdr, VIPS_META_ICC_NAME) != 0;
    in->export_profile = icc && bands >= 3 && !o->keep_metadata ? "srgb" : NULL;
    in->jpeg = g_str_has_prefix(loader, "VipsForeignLoadJpeg");
    /* The common JPEG and PNG take the fast path (decoder/fastpath.h), which declines what it does
     * not take before making anything. */
    bool done = false, png = g_str_has_prefix(loader, "VipsForeignLoadPng");
    if (o->resize_path == RESIZE_AUTO && (in->jpeg || png) && frames == 1 &&
        (uint64_t)w * (uint64_t)h <= o->max_pixels) {
        fastpath_src_t js = {.png = png,
                             .fd = t->fd,
                             .width = w,
                             .height = h,
                             .orientation = orientation,
                             .export_profile = in->export_profile};
        if (icc)
            vips_image_get_blob(hdr, VIPS_META_ICC_NAME, &js.icc, &js.icc_len);
        shown(o, t, loader, w, h, !o->no_rotate && orientation >= 5);
        done = fastpath_make(o, t, &js);
    }
    g_object_unref(hdr); /* (after fastpath_make: js.icc is its blob) */
    if (done)
        return;
    /* --animated: every frame of an animated source, thumbnailed from one decode, when the
     * output can animate (WebP, GIF); JPEG, PNG, AVIF and the cache take the first frame. */
    in->animated = o->animated && frames > 1 && in->source != NULL &&
                   (o->format == FMT_WEBP || o->format == FMT_GIF);
    if (in->animated && (uint64_t)w * (uint64_t)h * (uint64_t)frames > o->max_pixels) {
        task_fail(t, TASK_FAILED,
                  "animation too large: %d frames of %dx%d pixels, limit %llu in all (see "
                  "--max-pixels)",
                  frames, w, h, (unsigned long long)o->max_pixels);
        return;
    }
    in->in_memory = in->animated && frames_wanted(loader, w, h, frames, bands);
    /* HEIF, HEIC, AVIF: libheif applies the file's irot/imir transform and heifload drops the
     * EXIF orientation; a file without a transform is turned by its EXIF orientation here, after
     * the decode (heiforient.h): one or the other, never both. */
    int heif_turn = 1;
    if (strstr(loader, "Heif") != NULL && !o->no_rotate && !in->animated && t->fd >= 0)
        heif_turn = heif_exif_orientation(t->fd);
    if (heif_turn > 1)
        orientation = heif_turn;
    if ((uint64_t)w * (uint64_t)h > o->max_pixels) {
        task_fail(t, TASK_FAILED, "image too large: %dx%d pixels, limit %llu (see --max-pixels)", w,
                  h, (unsigned long long)o->max_pixels);
        return;
    }
    bool turned = !o->no_rotate && orientation >= 5;
    shown(o, t, loader, w, h, turned);
    w = t->meta.width, h = t->meta.height;

    /* Several sizes from one decode: each derived size is made to the size the loader gives it
     * (asked before the decode, which then has the source to itself); with --crop the decode
     * fills the largest box uncropped, and every size is cropped from it. */
    int big = thumb_largest(o, w, h);
    thumb_dims_t dims[THUMB_MAX_SIZES] = {{0, 0}};
    for (int i = 0; i < o->nsizes && o->crop == CROP_NONE && !in->animated; i++)
        if (i != big)
            dims[i] = probe(o, &o->sizes[i], in, turned);
    thumb_size_t box = o->crop != CROP_NONE && o->nsizes > 1 ? thumb_fill_box(&o->sizes[big], w, h)
                                                             : o->sizes[big];
    if (heif_turn >= 5) /* decoded on its side: the box turned with it */
        box = (thumb_size_t){.width = box.height, .height = box.width, .label = ""};
    VipsImage *base =
        thumb_one(o, &box, in, o->nsizes > 1 ? VIPS_INTERESTING_NONE : thumb_interesting(o->crop),
                  heif_turn > 1 ? TRUE : (gboolean)o->no_rotate);
    if (base != NULL && heif_turn > 1) {
        VipsImage *up = thumb_upright(base, heif_turn);
        g_object_unref(base);
        base = up;
    }
    if (base == NULL) {
        thumb_fail_vips(t, "cannot read image");
        return;
    }
    /* HEIF and AVIF whose colour an nclx box describes (libvips 8.14 would take it for sRGB); an
     * ICC profile, converted above, takes precedence. */
    nclx_t nclx;
    if (strstr(loader, "Heif") != NULL && !icc && t->fd >= 0 && nclx_read(t->fd, &nclx)) {
        VipsImage *srgb;
        if (nclx_convert(base, &nclx, o->keep_metadata, &srgb)) {
            g_object_unref(base);
            thumb_fail_vips(t, "cannot convert the image's colour");
            return;
        }
        g_object_unref(base);
        base = srgb;
    }
    thumb_sizes(o, t, base, big, dims);
    g_object_unref(base);
}

static void vips_make(const thumb_opts_t *o, task_t *t)
{
    input_t in = {0};
    const char *loader = open_input(t, &in);
    if (loader != NULL)
        make_from(o, t, &in, loader);
    VIPS_UNREF(in.source);
    if (in.map != NULL)
        munmap(in.map, in.len);
}

const codec_t codec_vips = {.make = vips_make};
