#include "decoder/sizes.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decoder/cachepng.h"

#include "decoder/placeholder.h"
#include "decoder/webpmeta.h"

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

VipsImage *thumb_upright(VipsImage *img, int orientation)
{
    VipsImage *tagged, *out = NULL;
    if (vips_copy(img, &tagged, NULL))
        return NULL;
    vips_image_set_int(tagged, VIPS_META_ORIENTATION, orientation);
    if (vips_autorot(tagged, &out, NULL))
        out = NULL;
    g_object_unref(tagged);
    return out;
}

/* The scale a size box implies for a w x h image (after orientation). */
double thumb_scale_for(const thumb_opts_t *o, const thumb_size_t *s, int w, int h)
{
    double sx = (double)s->width / w, sy = (double)s->height / h;
    return o->crop != CROP_NONE ? (sx > sy ? sx : sy) : (sx < sy ? sx : sy);
}

int thumb_encode(const thumb_opts_t *o, VipsImage *in, thumb_out_t *out, const task_t *t,
                 task_meta_t *meta)
{
    VipsObject *scope = VIPS_OBJECT(vips_image_new());
    VipsImage **x = (VipsImage **)vips_object_local_array(scope, 4);
    VipsImage *cur = in;
    gboolean strip = !o->keep_metadata;
    int rc = -1;

    VipsInterpretation interp = vips_image_guess_interpretation(cur);
    bool grey = o->format != FMT_PNG_KEYS &&
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
    if (meta != NULL) { /* hashed and saved from one evaluation of the pipeline, not two */
        if ((x[3] = vips_image_copy_memory(cur)) == NULL ||
            placeholder_make(x[3], o->placeholder, meta) != 0)
            goto out;
        cur = x[3];
    }
    switch (o->format) {
    case FMT_JPEG:
        rc = vips_jpegsave_buffer(cur, &out->buf, &out->len, "Q", o->quality, "strip", strip, NULL);
        break;
    case FMT_WEBP:
        rc = vips_webpsave_buffer(cur, &out->buf, &out->len, "Q", o->quality, "strip", strip, NULL);
        if (rc == 0 && strip)
            webpmeta_strip(out->buf, &out->len);
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
    case FMT_PNG_KEYS:
        rc = cachepng_encode(cur, t, &out->buf, &out->len);
        break;
    }
    /* An animation is one image of its frames stacked: say the frame's size and how many. */
    out->width = cur->Xsize;
    out->height = vips_image_get_page_height(cur);
    out->frames = out->height < cur->Ysize ? cur->Ysize / out->height : 0;
out:
    g_object_unref(scope);
    return rc;
}

/* The index of the size with the smallest scale of a w x h image: the smallest thumbnail. */
static int thumb_smallest(const thumb_opts_t *o, int w, int h)
{
    int small = 0;
    for (int i = 1; i < o->nsizes; i++)
        if (thumb_scale_for(o, &o->sizes[i], w, h) < thumb_scale_for(o, &o->sizes[small], w, h))
            small = i;
    return small;
}

int thumb_largest(const thumb_opts_t *o, int w, int h)
{
    int big = 0;
    for (int i = 1; i < o->nsizes; i++)
        if (thumb_scale_for(o, &o->sizes[i], w, h) > thumb_scale_for(o, &o->sizes[big], w, h))
            big = i;
    return big;
}

/* libvips' answer for one image size and box, remembered: asking builds a whole resize on a
 * lazy image, orc code included, and was a quarter of the decoder's time on small photos, which
 * mostly come in few sizes (a camera's, a phone's). Per thread: the decoder asks from one. */
typedef struct {
    int w, h, bw, bh;
    bool upscale;
    thumb_dims_t d;
} dims_memo_t;

#define DIMS_MEMO 8
static _Thread_local dims_memo_t dims_memo[DIMS_MEMO];
static _Thread_local unsigned dims_memo_next;

thumb_dims_t thumb_dims_for(const thumb_opts_t *o, const thumb_size_t *s, int w, int h)
{
    for (int i = 0; i < DIMS_MEMO; i++) {
        const dims_memo_t *m = &dims_memo[i];
        if (m->d.width > 0 && m->w == w && m->h == h && m->bw == s->width && m->bh == s->height &&
            m->upscale == o->upscale)
            return m->d;
    }
    thumb_dims_t d = {0, 0};
    VipsImage *black = NULL, *out = NULL;
    if (vips_black(&black, w, h, NULL) == 0 &&
        vips_thumbnail_image(black, &out, s->width, "height", s->height, "size",
                             o->upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN, "no_rotate", TRUE,
                             NULL) == 0)
        d = (thumb_dims_t){out->Xsize, out->Ysize};
    else
        vips_error_clear();
    VIPS_UNREF(out);
    VIPS_UNREF(black);
    if (d.width > 0)
        dims_memo[dims_memo_next++ % DIMS_MEMO] =
            (dims_memo_t){w, h, s->width, s->height, o->upscale, d};
    return d;
}

thumb_size_t thumb_fill_box(const thumb_size_t *s, int w, int h)
{
    thumb_size_t b = *s;
    if ((double)w / s->width <= (double)h / s->height)
        b.height = VIPS_MAX_COORD; /* the width fills */
    else
        b.width = VIPS_MAX_COORD;
    return b;
}

int thumb_resize(const thumb_opts_t *o, VipsImage *in, const thumb_size_t *s, VipsImage **out)
{
    bool fill = o->crop != CROP_NONE && o->nsizes > 1;
    thumb_size_t box = fill ? thumb_fill_box(s, in->Xsize, in->Ysize) : *s;
    thumb_dims_t d =
        o->crop != CROP_NONE ? (thumb_dims_t){0, 0} : thumb_dims_for(o, s, in->Xsize, in->Ysize);
    double scale = thumb_scale_for(o, s, in->Xsize, in->Ysize);
    int factor = scale > 0 ? (int)(1 / scale / 2) : 1;
    VipsImage *shrunk = NULL;
    if (factor >= 2 && vips_shrink(in, &shrunk, factor, factor, NULL))
        return -1;
    int rc =
        d.width > 0
            ? vips_thumbnail_image(shrunk ? shrunk : in, out, d.width, "height", d.height, "size",
                                   VIPS_SIZE_FORCE, "no_rotate", TRUE, NULL)
            : vips_thumbnail_image(shrunk ? shrunk : in, out, box.width, "height", box.height,
                                   "size", o->upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN, "crop",
                                   fill ? VIPS_INTERESTING_NONE : thumb_interesting(o->crop),
                                   "no_rotate", TRUE, NULL);
    VIPS_UNREF(shrunk);
    return rc;
}

/* Size i of t from mem (in memory, upright, at size big or, with --crop, filling its box):
 * returns mem itself (a new reference) or a lazy image of it; NULL with libvips' error set. */
static VipsImage *derive(const thumb_opts_t *o, VipsImage *mem, int i, int big, const task_t *t,
                         const thumb_dims_t *dims)
{
    const thumb_size_t *s = &o->sizes[i];
    VipsSize sz = o->upscale ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN;
    VipsImage *img = NULL;
    bool frames = vips_image_get_n_pages(mem) > 1;
    if (o->crop != CROP_NONE) {
        if (i == big && mem->Xsize <= s->width && mem->Ysize <= s->height)
            return g_object_ref(mem); /* cropped already, or smaller than its box */
        return vips_thumbnail_image(mem, &img, s->width, "height", s->height, "size", sz, "crop",
                                    thumb_interesting(o->crop), "no_rotate", TRUE, NULL)
                   ? NULL
                   : img;
    }
    if (i == big)
        return g_object_ref(mem);
    thumb_dims_t d = dims != NULL ? dims[i] : (thumb_dims_t){0, 0};
    if (d.width <= 0 && !frames && t->meta.width > 0 && t->meta.height > 0)
        d = thumb_dims_for(o, s, t->meta.width, t->meta.height);
    int r = d.width > 0 && !frames
                ? vips_thumbnail_image(mem, &img, d.width, "height", d.height, "size",
                                       VIPS_SIZE_FORCE, "no_rotate", TRUE, NULL)
                : vips_thumbnail_image(mem, &img, s->width, "height", s->height, "size", sz,
                                       "no_rotate", TRUE, NULL);
    return r ? NULL : img;
}

void thumb_sizes(const thumb_opts_t *o, task_t *t, VipsImage *base, int big,
                 const thumb_dims_t *dims)
{
    /* Decode now, into memory (a thumbnail's worth), rather than lazily inside the encoder: a
     * loader's failure is then reported as reading, not encoding, and the other sizes come from
     * these pixels. */
    VipsImage *mem = vips_image_copy_memory(base);
    if (mem == NULL) {
        thumb_fail_vips(t, "cannot read image");
        return;
    }
    /* --placeholder: from the smallest thumbnail, as it is encoded. */
    int small = o->placeholder != PLACEHOLDER_NONE ? thumb_smallest(o, mem->Xsize, mem->Ysize) : -1;
    for (int i = 0; i < o->nsizes; i++) {
        VipsImage *img = derive(o, mem, i, big, t, dims);
        if (img == NULL) {
            thumb_fail_vips(t, "cannot resize thumbnail");
            break;
        }
        int r = thumb_encode(o, img, &t->outs[i], t, i == small ? &t->meta : NULL);
        g_object_unref(img);
        if (r) {
            thumb_fail_vips(t, "cannot encode thumbnail");
            break;
        }
    }
    g_object_unref(mem);
}

void thumb_release(task_t *t)
{
    task_release_buffers_with(t, g_free);
}

void thumb_settle(task_t *t)
{
    if (t->error == NULL)
        t->status = TASK_MADE;
    else
        thumb_release(t);
}
