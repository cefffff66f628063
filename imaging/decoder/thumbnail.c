#include "decoder/thumbnail.h"

#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <vips/vips.h>

#include "store/freedesktop/cachepng.h"
#include "core/naming.h"
#include "decoder/nclx.h"

/* libvips logs a GLib warning per failed tile ("error in tile 0 x 40") on top of the error it
 * returns; the returned error is what we report, once, as "thumbgen: PATH: reason". */
static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain;
    (void)level;
    (void)msg;
    (void)data;
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

void thumb_thread_shutdown(void)
{
    vips_thread_shutdown();
}

/* libheif's error codes (heif_error_code.heif_suberror_code), which libvips 8.14 passes on as a
 * bare "(6.1000)" when libheif gives no text. */
static const char *heif_reason(int code, int sub)
{
    if (sub == 1000)
        return "the HEIF/AVIF decoder refused it: a security limit was exceeded (image too large "
               "or too complex)";
    static const char *const codes[] = {
        NULL,
        "the HEIF/AVIF file does not exist",
        "not a valid HEIF/AVIF file (corrupt or truncated)",
        "the HEIF/AVIF decoder does not support this file type",
        "the HEIF/AVIF decoder does not support a feature this file uses",
        "the HEIF/AVIF decoder was misused",
        "the HEIF/AVIF decoder ran out of memory",
        "no HEIF/AVIF decoder for this file's codec is installed",
        "the HEIF/AVIF encoder failed",
        "the HEIF/AVIF encoder failed",
        "the colour profile is missing",
        "a HEIF/AVIF decoder plugin could not be loaded",
    };
    return code > 0 && code < (int)(sizeof codes / sizeof codes[0]) ? codes[code] : NULL;
}

/* Replaces every "/proc/self/fd/N" (how the decoder names its source to libvips) by name. */
static char *name_source(const char *msg, const char *name)
{
    GString *out = g_string_new(NULL);
    const char *p = msg, *q;
    while ((q = strstr(p, "/proc/self/fd/")) != NULL) {
        g_string_append_len(out, p, q - p);
        g_string_append(out, name);
        p = q + strlen("/proc/self/fd/");
        while (*p >= '0' && *p <= '9')
            p++;
    }
    g_string_append(out, p);
    return g_string_free(out, FALSE);
}

/* True when line holds a letter: not blank, not a bare "(6.1000)". */
static bool has_words(const char *line, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (g_ascii_isalpha(line[i]))
            return true;
    return false;
}

/* Copies libvips' (process-wide) error buffer into the task right where a call failed, so two
 * workers' messages never mix. Loaders that were tried and rejected leave lines of their own, so
 * only the last line that says something is kept, with a bare error code after it (libheif's)
 * kept too, or put in words when nothing else says what went wrong. */
void thumb_fail_vips(task_t *t, const char *what)
{
    char *raw = vips_error_buffer_copy();
    const char *base = strrchr(t->rel, '/');
    char *msg = name_source(raw ? raw : "", base ? base + 1 : t->rel);
    g_free(raw);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    /* Keep from the last line with words on; a code-only line after it comes along. */
    char *start = msg, *end = msg + n;
    for (char *line = msg; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        char *eol = nl ? nl : end;
        if (has_words(line, (size_t)(eol - line)))
            start = line;
        line = eol + 1;
    }
    char *w = start; /* newlines to spaces, runs of spaces to one */
    for (char *c = start; c < end; c++) {
        char ch = *c == '\n' ? ' ' : *c;
        if (ch != ' ' || (w > start && w[-1] != ' '))
            *w++ = ch;
    }
    *w = '\0';
    while (*start == ' ')
        start++;
    int code, sub;
    const char *words = NULL;
    if (!has_words(start, strlen(start)) && sscanf(start, "(%d.%d)", &code, &sub) == 2)
        words = heif_reason(code, sub);
    if (words != NULL)
        task_fail(t, TASK_FAILED, "%s: %s %s", what, words, start);
    else if (*start != '\0')
        task_fail(t, TASK_FAILED, "%s: %s", what, start);
    else
        task_fail(t, TASK_FAILED, "%s", what);
    g_free(msg);
}

/* Loaders that would turn any text file into an "image": not for thumbnails. */
static bool data_loader(const char *loader)
{
    return strstr(loader, "Csv") || strstr(loader, "Matrix") || strstr(loader, "Raw");
}

VipsInteresting thumb_interesting(crop_t c)
{
    switch (c) {
    case CROP_CENTRE:
        return VIPS_INTERESTING_CENTRE;
    case CROP_ATTENTION:
        return VIPS_INTERESTING_ATTENTION;
    case CROP_ENTROPY:
        return VIPS_INTERESTING_ENTROPY;
    case CROP_NONE:
    default:
        return VIPS_INTERESTING_NONE;
    }
}

/* The scale a size box implies for a w x h image (after orientation). */
double thumb_scale_for(const thumb_opts_t *o, const thumb_size_t *s, int w, int h)
{
    double sx = (double)s->width / w, sy = (double)s->height / h;
    return o->crop != CROP_NONE ? (sx > sy ? sx : sy) : (sx < sy ? sx : sy);
}

/* Converts to 8-bit sRGB (or 8-bit grey, except for the cache), flattens alpha for JPEG, and
 * encodes; for the freedesktop cache (keys set) as its PNG. */
static int encode(const thumb_opts_t *o, VipsImage *in, thumb_out_t *out, const cache_keys_t *keys)
{
    VipsObject *scope = VIPS_OBJECT(vips_image_new());
    VipsImage **x = (VipsImage **)vips_object_local_array(scope, 4);
    VipsImage *cur = in;
    gboolean strip = !o->keep_metadata;
    int rc = -1;

    VipsInterpretation interp = vips_image_guess_interpretation(cur);
    bool grey = !o->freedesktop &&
                (interp == VIPS_INTERPRETATION_B_W || interp == VIPS_INTERPRETATION_GREY16);
    bool flatten = o->format == FMT_JPEG && vips_image_hasalpha(cur);
    VipsInterpretation want = grey && !flatten ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    if (interp != want || cur->BandFmt != VIPS_FORMAT_UCHAR) {
        if (vips_colourspace(cur, &x[0], want, NULL))
            goto out;
        cur = x[0];
    }
    if (cur->BandFmt != VIPS_FORMAT_UCHAR) {
        if (vips_cast(cur, &x[1], VIPS_FORMAT_UCHAR, NULL))
            goto out;
        cur = x[1];
    }
    if (flatten) {
        VipsArrayDouble *bg = vips_array_double_new(o->background, 3);
        int r = vips_flatten(cur, &x[2], "background", bg, NULL);
        vips_area_unref(VIPS_AREA(bg));
        if (r)
            goto out;
        cur = x[2];
    }
    if (o->freedesktop) {
        rc = cachepng_encode(cur, keys, &out->buf, &out->len);
        goto done;
    }
    switch (o->format) {
    case FMT_JPEG:
        rc = vips_jpegsave_buffer(cur, &out->buf, &out->len, "Q", o->quality, "strip", strip, NULL);
        break;
    case FMT_WEBP:
        rc = vips_webpsave_buffer(cur, &out->buf, &out->len, "Q", o->quality, "strip", strip, NULL);
        break;
    case FMT_AVIF:
        rc = vips_heifsave_buffer(cur, &out->buf, &out->len, "Q", o->quality, "compression",
                                  VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "strip", strip, NULL);
        break;
    case FMT_PNG:
        rc = vips_pngsave_buffer(cur, &out->buf, &out->len, "strip", strip, NULL);
        break;
    case FMT_GIF:
        rc = vips_gifsave_buffer(cur, &out->buf, &out->len, "strip", strip, NULL);
        break;
    }
done:
    out->width = cur->Xsize;
    out->height = cur->Ysize;
out:
    g_object_unref(scope);
    return rc;
}

/* Where a source's bytes come from: a descriptor that libvips reads through one VipsSource (one
 * open, one sniff of the first bytes, then every loader works from those bytes in memory), or,
 * for the few formats libvips 8.14 reads only from a named file (OpenEXR, FITS, OpenSlide...), the
 * path. */
typedef struct {
    VipsSource *source; /* NULL: by path */
    const char *path;
    bool animated; /* every frame (--animated, an animated source, an output that animates) */
} input_t;

/* Thumbnails the input at size s, shrinking on load. (Not vips_thumbnail_buffer: libvips 8.14's
 * does not pass fail_on to its loader, so a truncated JPEG in memory comes out as a
 * grey-bottomed thumbnail instead of an error; the fault tests caught it. The source form is
 * given fail_on in its loader's option string too, for the same reason.) */
static VipsImage *thumb_one(const thumb_opts_t *o, const thumb_size_t *s, const input_t *in)
{
    VipsImage *out = NULL;
    VipsSize sz = o->upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN;
    int r = in->source != NULL
                ? vips_thumbnail_source(
                      in->source, &out, s->width, "option_string",
                      in->animated ? "fail_on=truncated,n=-1" : "fail_on=truncated", "height",
                      s->height, "size", sz, "crop", thumb_interesting(o->crop), "no_rotate",
                      (gboolean)o->no_rotate, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL)
                : vips_thumbnail(in->path, &out, s->width, "height", s->height, "size", sz, "crop",
                                 thumb_interesting(o->crop), "no_rotate", (gboolean)o->no_rotate,
                                 "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    return r == 0 ? out : NULL;
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
    bool empty = false;
    if (loader == NULL) { /* empty, not an image, or a format libvips reads only by name */
        VIPS_UNREF(in->source);
        vips_error_clear();
        struct stat st;
        empty = fstat(fd, &st) == 0 && st.st_size == 0;
        const char *dot = strrchr(t->rel, '.');
        if (!empty && dot != NULL && g_ascii_strcasecmp(dot, ".hdr") == 0 && analyze_header(fd)) {
            task_fail(t, TASK_FAILED,
                      "an Analyze image: its pixels are in the .img file beside it, which a "
                      "sandboxed decoder is not given (convert it first, e.g. vips copy x.hdr "
                      "x.v)");
            if (fd != t->fd)
                close(fd);
            return NULL;
        }
        if (!empty)
            loader = vips_foreign_find_load(t->src);
    }
    if (fd != t->fd)
        close(fd);
    if (loader == NULL || data_loader(loader)) {
        VIPS_UNREF(in->source);
        vips_error_clear();
        if (empty && has_image_extension(t->rel))
            task_fail(t, TASK_FAILED, "empty file");
        else if (has_image_extension(t->rel))
            task_fail(t, TASK_FAILED, "not a recognised image format");
        else
            task_fail(t, TASK_SKIPPED, "not an image");
        return NULL;
    }
    return loader;
}

int thumb_largest(const thumb_opts_t *o, int w, int h)
{
    int big = 0;
    for (int i = 1; i < o->nsizes; i++)
        if (thumb_scale_for(o, &o->sizes[i], w, h) > thumb_scale_for(o, &o->sizes[big], w, h))
            big = i;
    return big;
}

int thumb_resize(const thumb_opts_t *o, VipsImage *in, const thumb_size_t *s, VipsImage **out)
{
    double scale = thumb_scale_for(o, s, in->Xsize, in->Ysize);
    int factor = scale > 0 ? (int)(1 / scale / 2) : 1;
    VipsImage *shrunk = NULL;
    if (factor >= 2 && vips_shrink(in, &shrunk, factor, factor, NULL))
        return -1;
    int rc = vips_thumbnail_image(shrunk ? shrunk : in, out, s->width, "height", s->height, "size",
                                  o->upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN, "crop",
                                  thumb_interesting(o->crop), "no_rotate", TRUE, NULL);
    VIPS_UNREF(shrunk);
    return rc;
}

void thumb_sizes(const thumb_opts_t *o, task_t *t, VipsImage *base, int big,
                 const cache_keys_t *keys)
{
    /* Decode now, into memory (a thumbnail's worth), rather than lazily inside the encoder: a
     * loader's failure is then reported as reading, not encoding, and the other sizes come from
     * these pixels. */
    VipsImage *mem = vips_image_copy_memory(base);
    if (mem == NULL) {
        thumb_fail_vips(t, "cannot read image");
        return;
    }
    for (int i = 0; i < o->nsizes; i++) {
        VipsImage *img = mem;
        if (i != big) {
            const thumb_size_t *s = &o->sizes[i];
            if (vips_thumbnail_image(mem, &img, s->width, "height", s->height, "size",
                                     o->upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN, "crop",
                                     thumb_interesting(o->crop), "no_rotate", TRUE, NULL)) {
                thumb_fail_vips(t, "cannot resize thumbnail");
                break;
            }
        }
        int r = encode(o, img, &t->outs[i], keys);
        if (img != mem)
            g_object_unref(img);
        if (r) {
            thumb_fail_vips(t, "cannot encode thumbnail");
            break;
        }
    }
    g_object_unref(mem);
}

/* The work of thumb_make once the input is open. */
static void make_from(const thumb_opts_t *o, task_t *t, input_t *in, const char *loader)
{
    /* Header only: refuse decompression bombs before any pixel is decoded. */
    VipsImage *hdr =
        in->source
            ? vips_image_new_from_source(in->source, "", "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL)
            : vips_image_new_from_file(in->path, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (hdr == NULL) {
        thumb_fail_vips(t, "cannot read image header");
        return;
    }
    int w = hdr->Xsize, h = hdr->Ysize;
    int orientation = vips_image_get_orientation(hdr);
    int frames = vips_image_get_n_pages(hdr);
    g_object_unref(hdr);
    /* --animated: every frame of an animated source, thumbnailed from one decode, when the
     * output can animate (WebP, GIF); JPEG, PNG, AVIF and the cache take the first frame. */
    in->animated = o->animated && frames > 1 && in->source != NULL && !o->freedesktop &&
                   (o->format == FMT_WEBP || o->format == FMT_GIF);
    if (in->animated && (uint64_t)w * (uint64_t)h * (uint64_t)frames > o->max_pixels) {
        task_fail(t, TASK_FAILED,
                  "animation too large: %d frames of %dx%d pixels, limit %llu in all (see "
                  "--max-pixels)",
                  frames, w, h, (unsigned long long)o->max_pixels);
        return;
    }
    if ((uint64_t)w * (uint64_t)h > o->max_pixels) {
        task_fail(t, TASK_FAILED, "image too large: %dx%d pixels, limit %llu (see --max-pixels)", w,
                  h, (unsigned long long)o->max_pixels);
        return;
    }
    if (!o->no_rotate && orientation >= 5) {
        int tmp = w;
        w = h;
        h = tmp;
    }

    cache_keys_t keys = {.uri = t->uri,
                         .mtime = t->mtime.tv_sec,
                         .size = t->size,
                         .mime = o->freedesktop ? cachepng_mime(loader, t->rel) : NULL,
                         .width = w,
                         .height = h};

    int big = thumb_largest(o, w, h);
    VipsImage *base = thumb_one(o, &o->sizes[big], in);
    if (base == NULL) {
        thumb_fail_vips(t, "cannot read image");
        return;
    }
    /* HEIF and AVIF whose colour an nclx box describes (libvips 8.14 would take it for sRGB). */
    nclx_t nclx;
    if (strstr(loader, "Heif") != NULL && t->fd >= 0 && nclx_read(t->fd, &nclx)) {
        VipsImage *srgb;
        if (nclx_convert(base, &nclx, o->keep_metadata, &srgb)) {
            g_object_unref(base);
            thumb_fail_vips(t, "cannot convert the image's colour");
            return;
        }
        g_object_unref(base);
        base = srgb;
    }
    thumb_sizes(o, t, base, big, &keys);
    g_object_unref(base);
}

void thumb_make(const thumb_opts_t *o, task_t *t)
{
    input_t in = {0};
    const char *loader = open_input(t, &in);
    if (loader == NULL)
        return;
    make_from(o, t, &in, loader);
    VIPS_UNREF(in.source);
    if (t->error == NULL)
        t->status = TASK_MADE;
    else
        thumb_release(t);
}

const codec_t codec_vips = {.name = "libvips", .make = thumb_make};

void thumb_release(task_t *t)
{
    task_release_buffers_with(t, g_free);
}

void thumb_fail_entry(task_t *t)
{
    cache_keys_t keys = {.uri = t->uri, .mtime = t->mtime.tv_sec, .size = t->size};
    if (cachepng_fail_entry(&keys, &t->fail.buf, &t->fail.len) == 0)
        t->status = TASK_MADE;
    else
        thumb_fail_vips(t, "cannot make a failure entry");
}
