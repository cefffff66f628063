/* End-to-end tests of HEIF orientation (issue 26): a HEIF, HEIC or AVIF file is turned by its
 * irot/imir transform when it has one, and only by it; by its EXIF orientation when it has none;
 * never by both. Fixtures are made here through libheif (testdata/make-heif-orient.c) from the
 * synthetic picture stored as a camera held each of 8 ways would store it
 * (testdata/photos/orientation/Landscape_N.jpg); each thumbnail is judged by the hues of its four
 * quadrants (red, green / blue, yellow when upright), not by its bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN
#define UPRIGHT "rgby"

#define dirs test_dirs

/* Makes SRC/name from Landscape_N.jpg's stored pixels with a transform and an EXIF orientation
 * (make-heif-orient's TRANSFORM 1-8, EXIF 0-8; a test tool, built without sanitizers). */
static void heif(const char *name, int n, int transform, int exif)
{
    shf("'%s' '%s/photos/orientation/Landscape_%d.jpg' '%s/%s' %d %d", MAKE_HEIF_ORIENT, TESTDATA,
        n, dirs.src, name, transform, exif);
}

/* Fails unless the image at path is landscape (w > h, as the picture is upright) with the
 * picture's quadrants. */
static void expect_upright(const char *path)
{
    int w, h;
    char got[5];
    quadrants(path, got, &w, &h);
    if (w <= h || strcmp(got, UPRIGHT) != 0)
        fail_msg("%s: %dx%d with quadrants %s, expected a landscape with %s", path, w, h, got,
                 UPRIGHT);
}

static void make_ok(const char *a, const char *b, const char *c)
{
    proc_result_t r = tg_run(BIN, dirs.src, dirs.dst, "--quiet", a, b, c, NULL);
    if (r.status != 0)
        fail_msg("status %d, stderr:\n%s", r.status, r.err);
    proc_result_free(&r);
}

/* Transform only (each of the 8), EXIF only (each of the 8), both (the transform wins: an EXIF
 * orientation that says the same, as Apple's files do, is not applied again), neither. */
static void transform_or_exif(void **state)
{
    (void)state;
    char name[64];
    for (int n = 1; n <= 8; n++) {
        FMT(name, "t%d.heic", n);
        heif(name, n, n, 0);
        FMT(name, "e%d.heic", n);
        heif(name, n, 1, n);
        FMT(name, "b%d.heic", n);
        heif(name, n, n, n);
    }
    heif("b6x3.heic", 6, 6, 3); /* a transform, and an EXIF orientation that disagrees */
    heif("neither.heic", 1, 1, 0);
    heif("ae6.avif", 6, 1, 6); /* AVIF: the same loader, the same rule */
    heif("at6.avif", 6, 6, 0);
    make_ok(NULL, NULL, NULL);
    const char *kinds = "teb";
    for (int n = 1; n <= 8; n++)
        for (int k = 0; k < 3; k++) {
            FMT(name, "%c%d.jpg", kinds[k], n);
            expect_upright(at(dirs.dst, name));
        }
    const char *more[] = {"b6x3.jpg", "neither.jpg", "ae6.jpg", "at6.jpg"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        expect_upright(at(dirs.dst, more[i]));
}

/* The box turns with a file turned by its EXIF: 1200x800 upright in a 256x100 box is 150x100,
 * with several sizes from one decode too, and cropped. */
static void box_and_sizes(void **state)
{
    (void)state;
    heif("e6.heic", 6, 1, 6);
    heif("e8.heic", 8, 1, 8);
    make_ok("-s", "256x100,64", NULL);
    const char *names[] = {"e6.jpg", "e8.jpg"};
    for (int i = 0; i < 2; i++) {
        char path[256];
        FMT(path, "%s/256x100/%s", dirs.dst, names[i]);
        expect_upright(path);
        VipsImage *im = load(path);
        assert_int_equal(im->Xsize, 150);
        assert_int_equal(im->Ysize, 100);
        g_object_unref(im);
        FMT(path, "%s/64/%s", dirs.dst, names[i]);
        im = load(path);
        assert_int_equal(im->Xsize, 64);
        assert_int_equal(im->Ysize, 43);
        g_object_unref(im);
    }
    /* --no-rotate leaves EXIF's orientation alone, as for a JPEG. */
    proc_result_t r =
        tg_run(BIN, dirs.src, dirs.root, "--quiet", "--no-rotate", "--name", "nr-%s", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    VipsImage *im = load(at(dirs.root, "nr-e6.jpg"));
    assert_true(im->Xsize < im->Ysize); /* as stored: on its side */
    g_object_unref(im);
}

/* --keep-metadata keeps the EXIF block, which says 1 once the pixels are upright (exiftool reads
 * it); so in every format that carries EXIF. */
static void kept_exif_says_upright(void **state)
{
    (void)state;
    heif("e6.heic", 6, 1, 6);
    heif("b6.heic", 6, 6, 6);
    const char *formats[] = {"jpeg", "webp", "png", "avif"};
    const char *exts[] = {"jpg", "webp", "png", "avif"};
    for (int f = 0; f < 4; f++) {
        make_ok("--keep-metadata", "-f", formats[f]);
        const char *stems[] = {"e6", "b6"};
        for (int i = 0; i < 2; i++) {
            char name[32], path[256];
            FMT(name, "%s.%s", stems[i], exts[f]);
            FMT(path, "%s", at(dirs.dst, name));
            expect_upright(path);
            shf("test \"$(exiftool -s3 -n -IFD0:Orientation '%s')\" = 1", path);
        }
    }
}

/* The desktop's thumbnail cache takes the same rule: the decoder acts on what the task asks. */
static void freedesktop_cache(void **state)
{
    (void)state;
    heif("e6.heic", 6, 1, 6);
    heif("t6.heic", 6, 6, 0);
    char cache[192];
    FMT(cache, "%s/cache", dirs.root);
    setenv("XDG_CACHE_HOME", cache, 1);
    proc_result_t r = tg_run(BIN, "--freedesktop", dirs.src, "--quiet", "-s", "large", NULL);
    unsetenv("XDG_CACHE_HOME");
    if (r.status != 0)
        fail_msg("status %d, stderr:\n%s", r.status, r.err);
    proc_result_free(&r);
    char dir[256];
    FMT(dir, "%s/thumbnails/large", cache);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.') {
            expect_upright(at(dir, e->d_name)); /* whichever source's it is */
            n++;
        }
    closedir(d);
    assert_int_equal(n, 2);
}

int main(void)
{
    if (VIPS_INIT("test_cli_heif_orient"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(transform_or_exif, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(box_and_sizes, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(kept_exif_says_upright, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(freedesktop_cache, setup_dirs, teardown_dirs),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
