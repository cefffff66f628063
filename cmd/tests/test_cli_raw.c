/* End-to-end tests of camera RAW: DNGs made here by testdata/make-dng.c (a Bayer mosaic of the
 * synthetic picture, 12 or 16 bits, with or without an embedded JPEG preview, stored as a camera
 * held sideways would store it). Each thumbnail is checked by its pixels: upright, and its four
 * quadrants of the right hues (red, green / blue, yellow), judged by colour, not by bytes. The
 * preview of some files is inverted on purpose, so a test can tell which path a thumbnail took. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN
#define PICTURE TESTDATA "/photos/orientation/Landscape_1.jpg"

#define dirs test_dirs

/* Makes SRC/name with make-dng and the options given (one string, split by the shell). */
static void dng(const char *name, const char *opts)
{
    shf("'%s' '%s' '%s/%s' %s", MAKE_DNG, PICTURE, dirs.src, name, opts);
}

static void expect_thumb(const char *name, const char *hues, int w, int h)
{
    char path[300], got[5];
    int gw, gh;
    FMT(path, "%s/%s", dirs.dst, name);
    quadrants(path, got, &gw, &gh);
    if (strcmp(got, hues) != 0 || gw != w || abs(gh - h) > 1)
        fail_msg("%s: %dx%d with quadrants %s, expected %dx%d with %s", name, gw, gh, got, w, h,
                 hues);
}

/* The upright picture's quadrants, and its inverse (the tinted previews'). */
#define UPRIGHT "rgby"
#define INVERTED "cmyb"

/* No preview: the raw data is developed (12 and 16 bits; sideways and not), upright, with the
 * picture's hues. A full-size preview (inverted on purpose) is what auto uses, upright by the
 * DNG's orientation although the preview has no EXIF; --raw develop develops that same file. */
static void preview_and_develop(void **state)
{
    (void)state;
    dng("plain.dng", "--bits 12");
    dng("side16.dng", "--bits 16 --orientation 6");
    dng("preview.dng", "--orientation 6 --preview 1 --preview-tint");
    dng("upside.dng", "--orientation 3 --preview 1 --preview-tint");
    dng("P1000.RAW", "--bits 12"); /* .raw is LibRaw's (Panasonic, Leica), whatever it holds */
    expect_run(tg_run(BIN, dirs.src, dirs.dst, "-j", "2", NULL), 0, 5, 0, 0, 0);
    expect_thumb("plain.jpg", UPRIGHT, 256, 171);
    expect_thumb("side16.jpg", UPRIGHT, 256, 171);
    expect_thumb("preview.jpg", INVERTED, 256, 171);
    expect_thumb("upside.jpg", INVERTED, 256, 171);
    expect_thumb("P1000.jpg", UPRIGHT, 256, 171);

    tg_expect(0, BIN, dirs.src, dirs.dst, "--raw", "develop", "--force", NULL);
    expect_thumb("preview.jpg", UPRIGHT, 256, 171);
    expect_thumb("upside.jpg", UPRIGHT, 256, 171);

    /* --no-rotate: stored as the camera held it (portrait for orientation 6). */
    tg_expect(0, BIN, dirs.src, dirs.dst, "--no-rotate", "--force", NULL);
    char hues[5];
    int w, h;
    char path[300];
    FMT(path, "%s/side16.jpg", dirs.dst);
    quadrants(path, hues, &w, &h);
    assert_int_equal(w, 171);
    assert_int_equal(h, 256);
}

/* A preview smaller than the thumbnail is not used by auto (the raw data is developed), but is
 * for a thumbnail it covers, and always with --raw preview. */
static void small_preview(void **state)
{
    (void)state;
    dng("small.dng", "--preview 0.1 --preview-tint"); /* 120x80 */
    tg_expect(0, BIN, dirs.src, dirs.dst, NULL);
    expect_thumb("small.jpg", UPRIGHT, 256, 171);
    tg_expect(0, BIN, dirs.src, dirs.dst, "-s", "100", "--force", NULL);
    expect_thumb("small.jpg", INVERTED, 100, 67);
    tg_expect(0, BIN, dirs.src, dirs.dst, "--raw", "preview", "--force", NULL);
    expect_thumb("small.jpg", INVERTED, 120, 80); /* never enlarged */
}

/* --crop with boxes of different shapes, from the preview and from the raw data: each size fills
 * its own box, as it would alone (the one decode is not cropped to the largest box first). */
static void cropped_sizes(void **state)
{
    (void)state;
    dng("wide.dng", "--preview 1");
    const char *modes[] = {"preview", "develop"};
    for (int m = 0; m < 2; m++) {
        char dst[300], path[400];
        FMT(dst, "%s/%s", dirs.dst, modes[m]);
        tg_expect(0, BIN, dirs.src, dst, "-s", "320x200,64x300", "--crop", "centre", "--raw",
                  modes[m], "--quiet", NULL);
        const char *boxes[][3] = {{"320x200", "320", "200"}, {"64x300", "64", "300"}};
        for (int b = 0; b < 2; b++) {
            FMT(path, "%s/%s/wide.jpg", dst, boxes[b][0]);
            VipsImage *im = load(path);
            if (im->Xsize != atoi(boxes[b][1]) || im->Ysize != atoi(boxes[b][2]))
                fail_msg("--raw %s at %s --crop centre: %dx%d", modes[m], boxes[b][0], im->Xsize,
                         im->Ysize);
            g_object_unref(im);
        }
    }
}

/* A preview tagged with a wide gamut's profile (Display P3, as a camera set to a wide gamut may
 * embed one) is converted to sRGB with it, as every ICC-tagged image is: its thumbnail shows what
 * the same picture's untagged sRGB preview shows. Taken for sRGB, it was 11.1 levels off. */
static void preview_profile_converted(void **state)
{
    (void)state;
    dng("p3.dng", "--preview 1 --preview-profile p3");
    dng("srgb.dng", "--preview 1");
    tg_expect(0, BIN, dirs.src, dirs.dst, "-s", "200", "--raw", "preview", NULL);
    VipsImage *wide = load(at(dirs.dst, "p3.jpg")), *srgb = load(at(dirs.dst, "srgb.jpg"));
    double d = mean_abs_diff(wide, srgb);
    print_message("P3 preview against sRGB preview: %.2f levels\n", d);
    if (d > 1.5)
        fail_msg("the P3-tagged preview's thumbnail is %.2f levels from the sRGB one's", d);
    g_object_unref(wide);
    g_object_unref(srgb);
}

/* A corrupt RAW and a truncated one each fail with LibRaw's reason in words; the good one is
 * made; nothing is written for the bad ones. */
static void broken_raw_fails_alone(void **state)
{
    (void)state;
    dng("good.dng", "");
    dng("cut.dng", "");
    shf("cd '%s' && truncate -s 40000 cut.dng && head -c 3000 /dev/urandom > noise.nef && "
        "printf 'II*\\000' | dd of=noise.nef conv=notrunc status=none",
        dirs.src);
    proc_result_t r = tg_run(BIN, dirs.src, dirs.dst, "--manifest", dirs.manifest, NULL);
    assert_non_null(strstr(r.err, "noise.nef: cannot read image header: LibRaw: "));
    assert_non_null(strstr(r.err, "cut.dng: cannot "));
    assert_non_null(strstr(r.err, "LibRaw: "));
    assert_null(strstr(r.err, "(-")); /* LibRaw's codes are put in words */
    expect_run(r, 1, 1, 0, 0, 2);
    assert_int_equal(count_outputs(dirs.dst, NULL), 1);
}

/* A camera's RAW+JPEG pair: one thumbnail, the other skipped naming its owner, exit 0; with
 * --name '%s.%e', one each. */
static void raw_jpeg_pair(void **state)
{
    (void)state;
    dng("IMG_0001.DNG", "--preview 1");
    shf("cp '%s' '%s/IMG_0001.JPG'", PICTURE, dirs.src);
    proc_result_t r = tg_run(BIN, dirs.src, dirs.dst, NULL);
    assert_non_null(strstr(r.err, "IMG_0001.JPG: its thumbnail name IMG_0001.jpg belongs to "
                                  "IMG_0001.DNG; skipped"));
    expect_run(r, 0, 1, 0, 1, 0);
    expect_run(tg_run(BIN, dirs.src, dirs.dst, "--name", "%s.%e", NULL), 0, 2, 0, 0, 0);
    expect_thumb("IMG_0001.DNG.jpg", UPRIGHT, 256, 171);
    expect_thumb("IMG_0001.JPG.jpg", UPRIGHT, 256, 171);
}

/* The freedesktop cache: a RAW thumbnail with its MIME type, accepted by GNOME's factory. */
static void raw_in_the_cache(void **state)
{
    (void)state;
    dng("cam.dng", "--orientation 6 --preview 1");
    char cache[200], thumbs[220];
    FMT(cache, "%s/cache", dirs.root);
    FMT(thumbs, "%s/thumbnails", cache);
    setenv("XDG_CACHE_HOME", cache, 1);
    tg_expect(0, BIN, "--freedesktop", dirs.src, NULL);
    char path[300];
    FMT(path, "%s/cam.dng", dirs.src);
    proc_result_t r = tg_run("/usr/bin/python3", FREEDESKTOP_DIR "/gnome_check.py", "thumb",
                             "normal,large", path, NULL);
    if (r.status != 0)
        fail_msg("%s%s", r.out, r.err);
    proc_result_free(&r);
    shf("grep -rl 'image/x-adobe-dng' '%s/large' >/dev/null", thumbs);
}

/* A module that is there but cannot be loaded (here, not a shared object at all) fails each of
 * its files with the loader's own reason, never "(null)". The binary is copied beside it. That
 * is the install's fault, no verdict on the file: no failure record is left (a rerun with the
 * module mended makes it, not "failed before"), and no cache failure entry either. */
static void unloadable_module_says_why(void **state)
{
    (void)state;
    dng("cam.dng", "");
    char bin[200];
    FMT(bin, "%s/bin/thumbgen", dirs.root);
    shf("mkdir '%s/bin' && cp '%s' '%s' && echo 'not ELF' > '%s/bin/thumbgen-raw.so'", dirs.root,
        BIN, bin, dirs.root);
    proc_result_t r = tg_run(bin, dirs.src, dirs.dst, NULL);
    assert_int_equal(r.status, 1);
    if (strstr(r.err, "cam.dng: cannot load the camera RAW decoder (thumbgen-raw.so): ") == NULL ||
        strstr(r.err, "/bin/thumbgen-raw.so: file too short") == NULL)
        fail_msg("%s", r.err);
    proc_result_free(&r);
    assert_int_equal(access(at(dirs.dst, ".thumbgen-failed.cam.dng"), F_OK), -1);
    char cache[256];
    FMT(cache, "%s/cache", dirs.root);
    setenv("XDG_CACHE_HOME", cache, 1);
    r = tg_run(bin, "--freedesktop", dirs.src, NULL);
    unsetenv("XDG_CACHE_HOME");
    expect_says(r, 1, "cannot load the camera RAW decoder");
    shf("test ! -e '%s/thumbnails/fail' || test -z \"$(ls -A '%s/thumbnails/fail'/*)\"", cache,
        cache);
    expect_run(tg_run(BIN, dirs.src, dirs.dst, NULL), 0, 1, 0, 0, 0);
}

int main(void)
{
    if (VIPS_INIT("test_cli_raw"))
        return 1;
    vips_cache_set_max(0); /* the same path is read again after a rerun rewrote it */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(preview_and_develop, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(small_preview, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(cropped_sizes, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(preview_profile_converted, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(broken_raw_fails_alone, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(raw_jpeg_pair, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(raw_in_the_cache, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(unloadable_module_says_why, setup_dirs, teardown_dirs),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
