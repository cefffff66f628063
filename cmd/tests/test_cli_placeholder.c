/* End-to-end tests of --placeholder (issue 26): the manifest's "thumbhash" and "blurhash" are
 * checked against the reference implementations, the `thumbhash` and `blurhash` npm packages
 * (pinned in cmd/tests/placeholder/package-lock.json, installed by the README's test command):
 * byte for byte on the pixels of the smallest thumbnail, a lossless PNG of at most 100 px, which is
 * what the decoder hashed; and the ThumbHash decoded back by the reference
 * (thumbHashToAverageRGBA) to the average colour of the source, measured here with libvips.
 * Skipped, saying so, where node or the packages are missing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN
#define dirs test_dirs

/* Runs cmd in the shell and returns its first line of output (static; "" when none). */
static const char *shell_line(const char *cmd)
{
    static char line[256];
    line[0] = '\0';
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (fgets(line, sizeof line, p) == NULL)
        line[0] = '\0';
    line[strcspn(line, "\n")] = '\0';
    pclose(p);
    return line;
}

/* The references' ThumbHash (base64) and BlurHash (4 x 3 terms, 3 x 4 for a portrait) of the
 * image at path (8-bit RGB(A) or grey, at most 100x100), made RGBA as the decoder reads it (grey
 * into R, G and B; no alpha: 255), each as a JSON string. */
static void reference_hash(const char *path, char *out, size_t size, char *blur, size_t blursize)
{
    VipsImage *im = load(path), *x = NULL, *y = NULL;
    assert_true(im->Xsize <= 100 && im->Ysize <= 100 && im->BandFmt == VIPS_FORMAT_UCHAR);
    if (im->Bands < 3)
        assert_int_equal(vips_colourspace(im, &x, VIPS_INTERPRETATION_sRGB, NULL), 0);
    else
        x = g_object_ref(im);
    if (!vips_image_hasalpha(x))
        assert_int_equal(vips_addalpha(x, &y, NULL), 0);
    else
        y = g_object_ref(x);
    char raw[192], cmd[768];
    FMT(raw, "%s/pixels.rgba", dirs.root);
    assert_int_equal(vips_rawsave(y, raw, NULL), 0);
    FMT(cmd, "node '%s/check.mjs' encode '%s' %d %d", PLACEHOLDER_DIR, raw, y->Xsize, y->Ysize);
    snprintf(out, size, "\"%s\"", shell_line(cmd));
    bool landscape = y->Xsize >= y->Ysize;
    FMT(cmd, "node '%s/check.mjs' blurhash '%s' %d %d %d %d", PLACEHOLDER_DIR, raw, y->Xsize,
        y->Ysize, landscape ? 4 : 3, landscape ? 3 : 4);
    snprintf(blur, blursize, "\"%s\"", shell_line(cmd));
    g_object_unref(y);
    g_object_unref(x);
    g_object_unref(im);
}

/* The average colour (0..1: R, G, B, alpha) the reference decodes a base64 ThumbHash to. */
static void reference_average(const char *json_hash, double avg[4])
{
    char cmd[512];
    FMT(cmd, "node '%s/check.mjs' average %s", PLACEHOLDER_DIR, json_hash);
    assert_int_equal(sscanf(shell_line(cmd), "%lf %lf %lf %lf", &avg[0], &avg[1], &avg[2], &avg[3]),
                     4);
}

/* The source's own average colour (0..1), alpha-weighted as a ThumbHash averages it, measured by
 * libvips on the upright image in sRGB. */
static void source_average(const char *path, double avg[4])
{
    VipsImage *im = load(path), *srgb, *rgba;
    assert_int_equal(vips_autorot(im, &srgb, NULL), 0);
    g_object_unref(im);
    im = srgb;
    assert_int_equal(vips_colourspace(im, &srgb, VIPS_INTERPRETATION_sRGB, NULL), 0);
    g_object_unref(im);
    if (!vips_image_hasalpha(srgb))
        assert_int_equal(vips_addalpha(srgb, &rgba, NULL), 0);
    else
        rgba = g_object_ref(srgb);
    g_object_unref(srgb);
    VipsImage *a;
    assert_int_equal(vips_extract_band(rgba, &a, 3, NULL), 0);
    double alpha;
    assert_int_equal(vips_avg(a, &alpha, NULL), 0);
    for (int b = 0; b < 3; b++) {
        VipsImage *band, *weighted;
        assert_int_equal(vips_extract_band(rgba, &band, b, NULL), 0);
        assert_int_equal(vips_multiply(band, a, &weighted, NULL), 0);
        assert_int_equal(vips_avg(weighted, &avg[b], NULL), 0);
        avg[b] = alpha > 0 ? avg[b] / alpha / 255 : 0;
        g_object_unref(weighted);
        g_object_unref(band);
    }
    avg[3] = alpha / 255;
    g_object_unref(a);
    g_object_unref(rgba);
}

static bool have_reference(void)
{
    char cmd[512];
    FMT(cmd,
        "command -v node >/dev/null && test -f '%s/node_modules/thumbhash/package.json' && "
        "test -f '%s/node_modules/blurhash/package.json' && echo yes",
        PLACEHOLDER_DIR, PLACEHOLDER_DIR);
    return strcmp(shell_line(cmd), "yes") == 0;
}

static const char *const sources[][2] = {
    {"photos/orientation/Landscape_6.jpg", "photo.jpg"}, /* turned by its EXIF */
    {"formats/alpha.png", "alpha.png"},                  /* transparency */
    {"formats/grey.jpg", "grey.jpg"},                    /* one band */
    {"formats/anim.gif", "anim.gif"},                    /* the first frame */
};
#define NSOURCES (sizeof sources / sizeof sources[0])

static void copy_sources(void)
{
    for (size_t i = 0; i < NSOURCES; i++) {
        shf("cp '%s/%s' '%s/%s'", TESTDATA, sources[i][0], dirs.src, sources[i][1]);
    }
}

/* The hashes of each source's smallest thumbnail (a PNG of at most 100 px, lossless) are the
 * references' on its pixels, byte for byte; the ThumbHash decodes to the source's average
 * colour. */
static void equals_the_reference(void **state)
{
    (void)state;
    if (!have_reference()) {
        print_message("skipped: node or the reference packages are missing (npm ci --prefix %s)\n",
                      PLACEHOLDER_DIR);
        skip();
    }
    copy_sources();
    proc_result_t r =
        tg_run(BIN, dirs.src, dirs.dst, "--quiet", "-f", "png", "-s", "200,64", "--placeholder",
               "thumbhash,blurhash", "--manifest", dirs.manifest, NULL);
    if (r.status != 0)
        fail_msg("status %d, stderr:\n%s", r.status, r.err);
    proc_result_free(&r);
    for (size_t i = 0; i < NSOURCES; i++) {
        char png[64], want[128], got[128], blur_want[128], blur_got[128], cond[256];
        snprintf(png, sizeof png, "64/%.*s.png", (int)(strrchr(sources[i][1], '.') - sources[i][1]),
                 sources[i][1]);
        reference_hash(at(dirs.dst, png), want, sizeof want, blur_want, sizeof blur_want);
        FMT(cond, "'src$=/%s'", sources[i][1]);
        snprintf(got, sizeof got, "%s", manifest_field(dirs.manifest, cond, "thumbhash"));
        if (strcmp(got, want) != 0)
            fail_msg("%s: thumbhash %s, the reference's %s", sources[i][1], got, want);
        snprintf(blur_got, sizeof blur_got, "%s", manifest_field(dirs.manifest, cond, "blurhash"));
        if (strcmp(blur_got, blur_want) != 0)
            fail_msg("%s: blurhash %s, the reference's %s", sources[i][1], blur_got, blur_want);
        double ref[4], src[4];
        reference_average(got, ref);
        char path[256];
        FMT(path, "%s/%s", TESTDATA, sources[i][0]);
        source_average(path, src);
        for (int c = 0; c < 4; c++)
            if (fabs(ref[c] - src[c]) > 0.04)
                fail_msg("%s: the hash's average colour %.3f %.3f %.3f %.3f, the source's "
                         "%.3f %.3f %.3f %.3f",
                         sources[i][1], ref[0], ref[1], ref[2], ref[3], src[0], src[1], src[2],
                         src[3]);
    }
}

/* At the defaults (a 256 px JPEG: libswscale fits it into 100x100 first) the hash still decodes to
 * the source's average colour; without --placeholder there is none; a bad value is refused. */
static void defaults_and_absence(void **state)
{
    (void)state;
    if (!have_reference()) {
        print_message("skipped: node or the reference packages are missing\n");
        skip();
    }
    copy_sources();
    tg_expect(0, BIN, dirs.src, dirs.dst, "--quiet", "--placeholder", "thumbhash", "--manifest",
              dirs.manifest, NULL);
    char hash[128];
    snprintf(hash, sizeof hash, "%s",
             manifest_field(dirs.manifest, "'src$=/photo.jpg'", "thumbhash"));
    assert_true(hash[0] == '"' && strlen(hash) > 20);
    expect_manifest(dirs.manifest, "'src$=/photo.jpg'", "blurhash", "absent"); /* not asked */
    double ref[4], src[4];
    reference_average(hash, ref);
    source_average(TESTDATA "/photos/orientation/Landscape_6.jpg", src);
    for (int c = 0; c < 3; c++)
        assert_true(fabs(ref[c] - src[c]) < 0.04);
    tg_expect(0, BIN, dirs.src, dirs.dst, "--quiet", "--force", "--manifest", dirs.manifest, NULL);
    expect_manifest(dirs.manifest, "'src$=/photo.jpg'", "thumbhash", "absent");
    const char *bad[] = {"blur", "thumbhash,", ",blurhash", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_says(tg_run(BIN, dirs.src, dirs.dst, "--placeholder", bad[i], NULL), 2,
                    "for --placeholder");
    }
}

int main(void)
{
    if (VIPS_INIT("test_cli_placeholder"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(equals_the_reference, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(defaults_and_absence, setup_dirs, teardown_dirs),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
