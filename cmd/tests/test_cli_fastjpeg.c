/* The JPEG fast path (decoder/fastpath.h) against libvips' own path (--resize-path libvips), on
 * JPEGs written here with libjpeg from testdata's photo: 4:2:0, 4:2:2, 4:4:4, greyscale,
 * progressive, restart markers, an odd size (4001x3001), an Adobe RGB (1998) profile embedded
 * (built with lcms2), and testdata's photo in each EXIF orientation; and on the real photos of
 * ../shared/corpus/exif-orientation where that folder exists; every run makes several sizes (the
 * smaller ones scaled from the largest's pixels), once with several --crop boxes. Both runs write
 * PNG (lossless); each thumbnail of the fast path has the same size to the pixel, PSNR >= 40 dB
 * and every channel's mean within 1 level. What the fast path does not take (CMYK, arithmetic
 * coding) is made by libvips, and a truncated or corrupt JPEG fails with the same words on both
 * paths. --stats says which path made how many. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jpeglib.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "likeness.h"
#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN
#define dirs test_dirs
#define SIZES "200,600"

/* How a fixture is written. */
typedef struct {
    const char *name;
    int h, v; /* luma sampling factors (chroma 1x1): 2,2 = 4:2:0; 2,1 = 4:2:2; 1,1 = 4:4:4 */
    bool grey, progressive, arith, cmyk, icc;
    int restart; /* MCUs between restart markers; 0: none */
    int width, height;
    bool fast; /* the fast path takes it */
} fixture_t;

static const fixture_t fixtures[] = {
    {"s420.jpg", 2, 2, .width = 1200, .height = 800, .fast = true},
    {"s422.jpg", 2, 1, .width = 1200, .height = 800, .fast = true},
    {"s444.jpg", 1, 1, .width = 1200, .height = 800, .fast = true},
    {"grey.jpg", 1, 1, .grey = true, .width = 1200, .height = 800, .fast = true},
    {"progressive.jpg", 2, 2, .progressive = true, .width = 1200, .height = 800, .fast = true},
    {"restart.jpg", 2, 2, .restart = 3, .width = 1200, .height = 800, .fast = true},
    {"odd.jpg", 2, 2, .width = 4001, .height = 3001, .fast = true},
    {"adobe.jpg", 2, 2, .icc = true, .width = 1200, .height = 800, .fast = true},
    {"cmyk.jpg", 1, 1, .cmyk = true, .width = 1200, .height = 800},
    {"arith.jpg", 2, 2, .arith = true, .width = 1200, .height = 800},
};
#define NFIXTURES (sizeof fixtures / sizeof fixtures[0])

/* Writes fixture f to path with libjpeg, Q92: testdata's photo (likeness_photo), its pixels
 * converted into the profile at icc and that profile embedded when f->icc says so. */
static void write_jpeg(const char *path, const fixture_t *f, const char *icc)
{
    VipsImage *img = likeness_photo(f->width, f->height, f->grey, f->icc ? icc : NULL);
    VipsImage *mem = vips_image_copy_memory(img);
    g_object_unref(img);
    assert_non_null(mem);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, fp);
    c.image_width = (JDIMENSION)mem->Xsize;
    c.image_height = (JDIMENSION)mem->Ysize;
    c.input_components = f->grey ? 1 : f->cmyk ? 4 : 3;
    c.in_color_space = f->grey ? JCS_GRAYSCALE : f->cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 92, TRUE);
    if (!f->grey && !f->cmyk) {
        c.comp_info[0].h_samp_factor = f->h;
        c.comp_info[0].v_samp_factor = f->v;
        c.comp_info[1].h_samp_factor = c.comp_info[1].v_samp_factor = 1;
        c.comp_info[2].h_samp_factor = c.comp_info[2].v_samp_factor = 1;
    }
    if (f->progressive)
        jpeg_simple_progression(&c);
    c.arith_code = f->arith;
    c.restart_interval = (unsigned)f->restart;
    jpeg_start_compress(&c, TRUE);
    if (f->icc) {
        gchar *data;
        gsize len;
        assert_true(g_file_get_contents(icc, &data, &len, NULL));
        jpeg_write_icc_profile(&c, (const JOCTET *)data, (unsigned)len);
        g_free(data);
    }
    int bands = c.input_components;
    unsigned char *row = malloc((size_t)mem->Xsize * (size_t)bands);
    assert_non_null(row);
    while (c.next_scanline < c.image_height) {
        const unsigned char *p = VIPS_IMAGE_ADDR(mem, 0, (int)c.next_scanline);
        for (int x = 0; x < mem->Xsize; x++)
            for (int b = 0; b < bands; b++) /* CMYK: the inverse of RGB, no black */
                row[x * bands + b] =
                    f->cmyk ? (b < 3 ? (unsigned char)(255 - p[x * 3 + b]) : 0) : p[x * bands + b];
        JSAMPROW r = row;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(fp);
    free(row);
    g_object_unref(mem);
}

/* SRC: every fixture, testdata's photo in each EXIF orientation, and a truncated JPEG. */
static int sources(void **state)
{
    setup_dirs(state);
    const char *icc = likeness_adobe_icc(dirs.root);
    char path[400];
    for (size_t i = 0; i < NFIXTURES; i++) {
        FMT(path, "%s/%s", dirs.src, fixtures[i].name);
        write_jpeg(path, &fixtures[i], icc);
    }
    shf("cp '%s'/photos/orientation/*.jpg '%s/' && head -c 60000 '%s/s420.jpg' > "
        "'%s/truncated.jpg' && { cat '%s/truncated.jpg'; printf '\\377\\331'; } > '%s/corrupt.jpg'",
        TESTDATA, dirs.src, dirs.src, dirs.src, dirs.src, dirs.src);
    return 0;
}

/* Runs thumbgen on src into dst (PNG, sizes, --crop crop, --stats) with --resize-path path;
 * returns stderr. */
static char *run_crop(const char *src, const char *dst, const char *sizes, const char *crop,
                      const char *path, int want_status)
{
    proc_result_t r = tg_run(BIN, src, dst, "-f", "png", "-s", sizes, "--crop", crop, "--stats",
                             "--resize-path", path, "-j", "2", NULL);
    if (r.status != want_status)
        fail_msg("--resize-path %s: status %d: %s", path, r.status, r.err);
    char *err = strdup(r.err);
    proc_result_free(&r);
    return err;
}

static char *run_sizes(const char *src, const char *dst, const char *sizes, const char *path,
                       int want_status)
{
    return run_crop(src, dst, sizes, "none", path, want_status);
}

static char *run(const char *src, const char *dst, const char *path, int want_status)
{
    return run_sizes(src, dst, SIZES, path, want_status);
}

/* Every fast fixture and testdata's orientation set, at each of sizes (folders of fast and slow),
 * compared. */
static void compare_all(const char *fast, const char *slow, const char *const *sizes, size_t nsizes)
{
    char a[600], b[600];
    const char *names[NFIXTURES + 10];
    size_t n = 0;
    for (size_t i = 0; i < NFIXTURES; i++)
        names[n++] = fixtures[i].name;
    static const char *const orient[] = {"Landscape_0", "Landscape_1", "Landscape_2", "Landscape_3",
                                         "Landscape_4", "Landscape_5", "Landscape_6", "Landscape_7",
                                         "Landscape_8", "Portrait_6"};
    for (size_t i = 0; i < 10; i++)
        names[n++] = orient[i];
    for (size_t s = 0; s < nsizes; s++)
        for (size_t i = 0; i < n; i++) {
            const char *dot = strrchr(names[i], '.');
            int len = dot ? (int)(dot - names[i]) : (int)strlen(names[i]);
            FMT(a, "%s/%s/%.*s.png", fast, sizes[s], len, names[i]);
            FMT(b, "%s/%s/%.*s.png", slow, sizes[s], len, names[i]);
            likeness_compare(a, b);
        }
}

static void fixtures_match_libvips(void **state)
{
    (void)state;
    char fast[300], slow[300];
    FMT(fast, "%s/fast", dirs.dst);
    FMT(slow, "%s/libvips", dirs.dst);
    char *ef = run(dirs.src, fast, "auto", 1), *es = run(dirs.src, slow, "libvips", 1);
    unsigned nfast = 0, npng = 0, nlv = 0, wfast = 0;
    for (size_t i = 0; i < NFIXTURES; i++)
        wfast += fixtures[i].fast;
    wfast += 10; /* testdata's orientation set */
    likeness_paths(ef, &nfast, &npng, &nlv);
    assert_int_equal(nfast, wfast);
    assert_int_equal(npng, 0);
    assert_int_equal(nlv, NFIXTURES + 10 - wfast);
    likeness_paths(es, &nfast, &npng, &nlv);
    assert_int_equal(nfast, 0);
    /* A truncated JPEG: the same words either way. */
    free(likeness_same_failure(ef, es, "truncated.jpg", fast));
    /* Cut short inside the scan but ended with EOI: libjpeg only warns ("premature end of data
     * segment") and would fill the rest with grey. A failure in words either way, no thumbnail. */
    char *lf = likeness_same_failure(ef, es, "corrupt.jpg", fast);
    assert_non_null(strstr(lf, "Corrupt JPEG data"));
    free(lf);
    free(ef);
    free(es);
    const char *sizes[] = {"200", "600"};
    compare_all(fast, slow, sizes, 2);
    likeness_upright(fast);
    print_message("fixtures: worst PSNR %.2f dB (%s)\n", likeness_worst, likeness_worst_name);
}

/* Several boxes with --crop: the fast path fills each box (the smaller ones scaled from the
 * largest's pixels) and crops it, as libvips' path crops each from its largest. */
static void cropped_sizes_match_libvips(void **state)
{
    (void)state;
    char fast[300], slow[300];
    FMT(fast, "%s/crop-fast", dirs.dst);
    FMT(slow, "%s/crop-libvips", dirs.dst);
    const char *list = "600x300,200x200,64x150";
    char *ef = run_crop(dirs.src, fast, list, "centre", "auto", 1);
    free(run_crop(dirs.src, slow, list, "centre", "libvips", 1));
    unsigned nfast = 0, npng = 0, nlv = 0;
    likeness_paths(ef, &nfast, &npng, &nlv);
    assert_true(nfast >= 10);
    free(ef);
    const char *sizes[] = {"600x300", "200x200", "64x150"};
    compare_all(fast, slow, sizes, 3);
    print_message("cropped: worst PSNR so far %.2f dB (%s)\n", likeness_worst, likeness_worst_name);
}

/* The real photos of the shared corpus, when this checkout has it (never copied here). */
static void corpus_matches_libvips(void **state)
{
    (void)state;
    struct stat st;
    if (stat(CORPUS "/exif-orientation", &st) != 0) {
        print_message("no %s/exif-orientation: skipped\n", CORPUS);
        skip();
    }
    char fast[300], slow[300], a[600], b[600];
    FMT(fast, "%s/corpus-fast", dirs.dst);
    FMT(slow, "%s/corpus-libvips", dirs.dst);
    free(run_sizes(CORPUS "/exif-orientation", fast, "256,1024", "auto", 0));
    free(run_sizes(CORPUS "/exif-orientation", slow, "256,1024", "libvips", 0));
    const char *sizes[] = {"256", "1024"};
    const char *kinds[] = {"Landscape", "Portrait"};
    for (size_t s = 0; s < 2; s++)
        for (int k = 0; k < 2; k++)
            for (int o = 0; o <= 8; o++) {
                FMT(a, "%s/%s/%s_%d.png", fast, sizes[s], kinds[k], o);
                FMT(b, "%s/%s/%s_%d.png", slow, sizes[s], kinds[k], o);
                likeness_compare(a, b);
            }
    print_message("corpus: worst PSNR so far %.2f dB (%s)\n", likeness_worst, likeness_worst_name);
}

int main(void)
{
    if (VIPS_INIT("test_cli_fastjpeg"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixtures_match_libvips),
        cmocka_unit_test(cropped_sizes_match_libvips),
        cmocka_unit_test(corpus_matches_libvips),
    };
    return cmocka_run_group_tests(tests, sources, teardown_dirs);
}
