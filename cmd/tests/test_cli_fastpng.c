/* The PNG fast path (decoder/fastpath.h, decoder/pngfast.h) against libvips' own path
 * (--resize-path libvips), on PNGs written here with libpng from testdata's photo: RGB unfiltered
 * and with every filter (adaptive), grey, a palette, an odd size (4001x3001), an Adobe RGB (1998)
 * profile embedded (built with lcms2), gAMA and sBIT (ignored by both), and testdata's photo in
 * each EXIF orientation (written by libvips, its EXIF in an eXIf chunk); every run makes several
 * sizes, once with several --crop boxes. Both runs write PNG (lossless); each thumbnail of the
 * fast path has the same size to the pixel, PSNR >= 40 dB and every channel's mean within 1
 * level. What the fast path does not take (alpha, a palette with transparency, 16 bits,
 * interlaced, over 40 million pixels, megabytes after IEND) is made by libvips, and a truncated
 * PNG, one with a damaged image chunk, one with only a CRC wrong and one whose zlib window is too
 * small for its data fail with the same words on both paths. --stats says which path made how many.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>
#include <png.h>
#include <vips/vips.h>

#include <cmocka.h>

#include "likeness.h"
#include "outputs.h"

#define BIN THUMBGEN_BIN
#define dirs test_dirs

/* How a fixture is written. */
typedef struct {
    const char *name;
    int type;  /* PNG_COLOR_TYPE_GRAY, _RGB, _PALETTE (a 6x6x6 cube) or _RGB_ALPHA */
    int depth; /* 8 or 16 */
    bool filtered, interlaced, trns, icc, gamma;
    int width, height;
    bool fast; /* the fast path takes it */
} fixture_t;

static const fixture_t fixtures[] = {
    {"rgb.png", PNG_COLOR_TYPE_RGB, 8, .width = 1200, .height = 800, .fast = true},
    {"filtered.png", PNG_COLOR_TYPE_RGB, 8, .filtered = true, .width = 1200, .height = 800,
     .fast = true},
    {"grey.png", PNG_COLOR_TYPE_GRAY, 8, .filtered = true, .width = 1200, .height = 800,
     .fast = true},
    {"palette.png", PNG_COLOR_TYPE_PALETTE, 8, .width = 1200, .height = 800, .fast = true},
    {"odd.png", PNG_COLOR_TYPE_RGB, 8, .filtered = true, .width = 4001, .height = 3001,
     .fast = true},
    {"adobe.png", PNG_COLOR_TYPE_RGB, 8, .icc = true, .width = 1200, .height = 800, .fast = true},
    /* gAMA and sBIT, which libvips' loader ignores: so must the fast path */
    {"gamma.png", PNG_COLOR_TYPE_RGB, 8, .gamma = true, .width = 1200, .height = 800, .fast = true},
    {"alpha.png", PNG_COLOR_TYPE_RGB_ALPHA, 8, .width = 1200, .height = 800},
    {"trns.png", PNG_COLOR_TYPE_PALETTE, 8, .trns = true, .width = 1200, .height = 800},
    {"deep.png", PNG_COLOR_TYPE_RGB, 16, .width = 1200, .height = 800},
    {"interlaced.png", PNG_COLOR_TYPE_RGB, 8, .interlaced = true, .width = 1200, .height = 800},
    /* over 40 million pixels: libvips' path streams it */
    {"large.png", PNG_COLOR_TYPE_GRAY, 8, .width = 8000, .height = 5001},
};
#define NFIXTURES (sizeof fixtures / sizeof fixtures[0])
#define NORIENT 10 /* testdata's orientation set */
/* Made from rgb.png: 8 MiB of zeros after IEND, more than the fast path reads (libvips' path
 * reads nothing past the image data: a thumbnail as rgb.png's). */
#define TRAILING "trailing.png"
static const char *const orient[NORIENT] = {
    "Landscape_0", "Landscape_1", "Landscape_2", "Landscape_3", "Landscape_4",
    "Landscape_5", "Landscape_6", "Landscape_7", "Landscape_8", "Portrait_6"};

/* The bytes of pixel (x, y) of f's row from p (8-bit RGB) into out; the number written. */
static size_t pixel(const fixture_t *f, const unsigned char *p, unsigned char *out)
{
    switch (f->type) {
    case PNG_COLOR_TYPE_GRAY:
        out[0] = p[0]; /* (img is grey already: 1 band) */
        return 1;
    case PNG_COLOR_TYPE_PALETTE:
        out[0] = (unsigned char)(p[0] * 6 / 256 * 36 + p[1] * 6 / 256 * 6 + p[2] * 6 / 256);
        return 1;
    case PNG_COLOR_TYPE_RGB_ALPHA:
        memcpy(out, p, 3);
        out[3] = 200;
        return 4;
    default:
        if (f->depth == 16) {
            for (int b = 0; b < 3; b++)
                out[2 * b] = out[2 * b + 1] = p[b]; /* v * 257, big-endian */
            return 6;
        }
        memcpy(out, p, 3);
        return 3;
    }
}

/* Writes fixture f to path with libpng: testdata's photo (likeness_photo), its pixels
 * converted into the profile at icc and that profile embedded when f->icc says so. */
static void write_png(const char *path, const fixture_t *f, const char *icc)
{
    VipsImage *img =
        likeness_photo(f->width, f->height, f->type == PNG_COLOR_TYPE_GRAY, f->icc ? icc : NULL);
    VipsImage *mem = vips_image_copy_memory(img);
    g_object_unref(img);
    assert_non_null(mem);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_non_null(info);
    if (setjmp(png_jmpbuf(png)))
        fail_msg("libpng could not write %s", path);
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)mem->Xsize, (png_uint_32)mem->Ysize, f->depth, f->type,
                 f->interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(png, 0, f->filtered ? PNG_ALL_FILTERS : PNG_FILTER_NONE);
    png_color cube[216];
    for (int i = 0; i < 216; i++)
        cube[i] = (png_color){(png_byte)(i / 36 * 51), (png_byte)(i / 6 % 6 * 51),
                              (png_byte)(i % 6 * 51)};
    if (f->type == PNG_COLOR_TYPE_PALETTE)
        png_set_PLTE(png, info, cube, 216);
    png_byte opaque_but_first = 0;
    if (f->trns)
        png_set_tRNS(png, info, &opaque_but_first, 1, NULL);
    gchar *profile = NULL;
    gsize plen = 0;
    if (f->icc) {
        assert_true(g_file_get_contents(icc, &profile, &plen, NULL));
        png_set_iCCP(png, info, "Adobe RGB (1998)", 0, (png_const_bytep)profile, (png_uint_32)plen);
    }
    png_color_8 sbit = {.red = 5, .green = 5, .blue = 5};
    if (f->gamma) {
        png_set_gAMA(png, info, 1.0);
        png_set_sBIT(png, info, &sbit);
    }
    png_write_info(png, info);
    size_t stride = (size_t)mem->Xsize * 6;
    unsigned char *px = malloc(stride * (size_t)mem->Ysize);
    png_bytep *rows = malloc(sizeof *rows * (size_t)mem->Ysize);
    assert_non_null(px);
    assert_non_null(rows);
    for (int y = 0; y < mem->Ysize; y++) {
        rows[y] = px + stride * (size_t)y;
        const unsigned char *p = VIPS_IMAGE_ADDR(mem, 0, y);
        size_t o = 0;
        for (int x = 0; x < mem->Xsize; x++)
            o += pixel(f, p + (size_t)x * (size_t)mem->Bands, rows[y] + o);
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(fp);
    free(rows);
    free(px);
    g_free(profile);
    g_object_unref(mem);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* SRC/name: rgb.png with one thing changed in its first IDAT, its chunks walked by their
 * lengths: with window, its zlib header says a 1 KiB window (which libdeflate ignores and zlib
 * enforces; the data look 3601 bytes back, a row) and the CRC is made right again; else only
 * its CRC is wrong. */
static void write_variant(const char *name, bool window)
{
    char path[400];
    gchar *d;
    gsize n, i = 8;
    FMT(path, "%s/rgb.png", dirs.src);
    assert_true(g_file_get_contents(path, &d, &n, NULL));
    unsigned char *p = (unsigned char *)d;
    while (i + 12 <= n && memcmp(p + i + 4, "IDAT", 4) != 0)
        i += 12 + be32(p + i);
    assert_true(i + 12 <= n && be32(p + i) >= 2);
    size_t len = be32(p + i), crc = i + 8 + len;
    assert_true(crc + 4 <= n);
    if (window) {
        p[i + 8] = 0x28, p[i + 9] = 0x15; /* CINFO 2: 1 KiB; (0x28 * 256 + 0x15) % 31 == 0 */
        uint32_t c = libdeflate_crc32(0, p + i + 4, len + 4);
        p[crc] = (unsigned char)(c >> 24), p[crc + 1] = (unsigned char)(c >> 16);
        p[crc + 2] = (unsigned char)(c >> 8), p[crc + 3] = (unsigned char)c;
    } else {
        p[crc] ^= 0x55;
    }
    FMT(path, "%s/%s", dirs.src, name);
    assert_true(g_file_set_contents(path, d, (gssize)n, NULL));
    g_free(d);
}

/* SRC: every fixture; testdata's photo in each EXIF orientation, as PNG by libvips (eXIf);
 * TRAILING; and four broken PNGs: truncated, a byte of image data changed (its CRC then wrong),
 * only a CRC wrong, and a zlib window too small for the data. */
static int sources(void **state)
{
    setup_dirs(state);
    const char *icc = likeness_adobe_icc(dirs.root);
    char path[400];
    for (size_t i = 0; i < NFIXTURES; i++) {
        FMT(path, "%s/%s", dirs.src, fixtures[i].name);
        write_png(path, &fixtures[i], icc);
    }
    for (size_t i = 0; i < NORIENT; i++) {
        FMT(path, "%s/photos/orientation/%s.jpg", TESTDATA, orient[i]);
        VipsImage *img = load(path);
        FMT(path, "%s/%s.png", dirs.src, orient[i]);
        assert_int_equal(vips_pngsave(img, path, NULL), 0);
        g_object_unref(img);
    }
    /* rgb.png's first IDAT starts at byte 33; a byte well inside the image data changed */
    shf("cd '%s' && head -c 300000 rgb.png > truncated.png && cp rgb.png damaged.png && "
        "printf '\\001' | dd of=damaged.png bs=1 seek=200000 conv=notrunc status=none && "
        "{ cat rgb.png; head -c 8388608 /dev/zero; } > " TRAILING,
        dirs.src);
    write_variant("badcrc.png", false);
    write_variant("window.png", true);
    return 0;
}

/* Runs thumbgen on src into dst (PNG, sizes, --crop crop, --stats) with --resize-path path;
 * returns stderr. */
static char *run(const char *dst, const char *sizes, const char *crop, const char *path)
{
    proc_result_t r = tg_run(BIN, dirs.src, dst, "-f", "png", "-s", sizes, "--crop", crop,
                             "--stats", "--resize-path", path, "-j", "2", NULL);
    if (r.status != 1) /* the broken PNGs fail */
        fail_msg("--resize-path %s: status %d: %s", path, r.status, r.err);
    char *err = strdup(r.err);
    proc_result_free(&r);
    return err;
}

/* Every fixture, the orientation set and TRAILING at each of sizes (folders of fast and slow),
 * compared. */
static void compare_all(const char *fast, const char *slow, const char *const *sizes, size_t nsizes)
{
    char a[600], b[600];
    for (size_t s = 0; s < nsizes; s++)
        for (size_t i = 0; i <= NFIXTURES + NORIENT; i++) {
            const char *name = i < NFIXTURES             ? fixtures[i].name
                               : i < NFIXTURES + NORIENT ? orient[i - NFIXTURES]
                                                         : TRAILING;
            int len = (int)strcspn(name, ".");
            FMT(a, "%s/%s/%.*s.png", fast, sizes[s], len, name);
            FMT(b, "%s/%s/%.*s.png", slow, sizes[s], len, name);
            likeness_compare(a, b);
        }
}

/* The files of SRC the fast path takes. */
static unsigned fast_fixtures(void)
{
    unsigned n = NORIENT;
    for (size_t i = 0; i < NFIXTURES; i++)
        n += fixtures[i].fast;
    return n;
}

static void fixtures_match_libvips(void **state)
{
    (void)state;
    char fast[300], slow[300];
    FMT(fast, "%s/fast", dirs.dst);
    FMT(slow, "%s/libvips", dirs.dst);
    char *ef = run(fast, "200,600", "none", "auto"), *es = run(slow, "200,600", "none", "libvips");
    unsigned njpeg, npng, nlv;
    likeness_paths(ef, &njpeg, &npng, &nlv);
    assert_int_equal(njpeg, 0);
    assert_int_equal(npng, fast_fixtures());
    assert_int_equal(nlv, NFIXTURES + NORIENT + 1 - fast_fixtures()); /* and TRAILING */
    likeness_paths(es, &njpeg, &npng, &nlv);
    assert_int_equal(npng, 0);
    assert_int_equal(nlv, NFIXTURES + NORIENT + 1);
    const char *sizes[] = {"200", "600"};
    compare_all(fast, slow, sizes, 2);
    likeness_upright(fast);
    /* Broken files: a failure in words, the same on both paths, and no thumbnail. */
    static const char *const broken[] = {"truncated.png", "damaged.png", "badcrc.png",
                                         "window.png"};
    for (int i = 0; i < 4; i++) {
        char *line = likeness_same_failure(ef, es, broken[i], fast);
        assert_non_null(strstr(line, "cannot"));
        free(line);
    }
    free(ef);
    free(es);
    print_message("fixtures: worst PSNR %.2f dB (%s)\n", likeness_worst, likeness_worst_name);
}

/* Several boxes with --crop: the fast path fills each box (the smaller ones scaled from the
 * largest's pixels) and crops it, as libvips' path crops each from its largest. */
static void cropped_sizes_match_libvips(void **state)
{
    (void)state;
    const char *list = "600x300,200x200,64x150";
    char *fast = strdup(at(dirs.dst, "crop-fast")), *slow = strdup(at(dirs.dst, "crop-libvips"));
    char *ef = run(fast, list, "centre", "auto");
    free(run(slow, list, "centre", "libvips"));
    unsigned njpeg, npng, nlv;
    likeness_paths(ef, &njpeg, &npng, &nlv);
    assert_int_equal(npng, fast_fixtures());
    free(ef);
    const char *sizes[] = {"600x300", "200x200", "64x150"};
    compare_all(fast, slow, sizes, 3);
    free(fast);
    free(slow);
    print_message("cropped: worst PSNR so far %.2f dB (%s)\n", likeness_worst, likeness_worst_name);
}

int main(void)
{
    if (VIPS_INIT("test_cli_fastpng"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_match_libvips),
        cmocka_unit_test(cropped_sizes_match_libvips),
    };
    return cmocka_run_group_tests(tests, sources, teardown_dirs);
}
