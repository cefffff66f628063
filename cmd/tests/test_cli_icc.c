/* End-to-end tests of ICC-tagged wide-gamut sources: Display P3, Adobe RGB (1998) and ProPhoto RGB
 * profiles built here with lcms2, testdata's photo converted into each by libvips and saved as
 * JPEG, HEIC, PNG, TIFF and WebP, each with its profile embedded. A thumbnail must show what the
 * source shows, in sRGB: each channel's mean within 1 level of `vipsthumbnail --eprofile srgb` on
 * the same file, run here. An untagged source is left as it is, and --keep-metadata keeps the
 * source's gamut and embeds its profile. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lcms2.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN

#define dirs test_dirs

static const char *const gamuts[] = {"p3", "adobe", "prophoto"};
static const char *const containers[] = {"jpg", "heic", "png", "tif", "webp"};
#define NGAMUTS (sizeof gamuts / sizeof gamuts[0])
#define NCONTAINERS (sizeof containers / sizeof containers[0])

/* Writes ROOT/NAME.icc, an RGB profile: Display P3 (D65, sRGB's curve), Adobe RGB (1998) (D65,
 * gamma 563/256) or ProPhoto RGB (D50, gamma 1.8). */
static void write_profile(const char *name)
{
    cmsCIExyY d65 = {0.3127, 0.3290, 1.0}, d50 = {0.3457, 0.3585, 1.0}, white = d65;
    cmsCIExyYTRIPLE p;
    cmsToneCurve *curve;
    if (strcmp(name, "p3") == 0) {
        p = (cmsCIExyYTRIPLE){{0.680, 0.320, 1}, {0.265, 0.690, 1}, {0.150, 0.060, 1}};
        double srgb[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
        curve = cmsBuildParametricToneCurve(NULL, 4, srgb);
    } else if (strcmp(name, "adobe") == 0) {
        p = (cmsCIExyYTRIPLE){{0.64, 0.33, 1}, {0.21, 0.71, 1}, {0.15, 0.06, 1}};
        curve = cmsBuildGamma(NULL, 563.0 / 256);
    } else {
        p = (cmsCIExyYTRIPLE){{0.7347, 0.2653, 1}, {0.1596, 0.8404, 1}, {0.0366, 0.0001, 1}};
        curve = cmsBuildGamma(NULL, 1.8);
        white = d50;
    }
    cmsToneCurve *curves[3] = {curve, curve, curve};
    cmsHPROFILE h = cmsCreateRGBProfile(&white, &p, curves);
    assert_non_null(h);
    cmsMLU *desc = cmsMLUalloc(NULL, 1);
    cmsMLUsetASCII(desc, "en", "US", name);
    cmsWriteTag(h, cmsSigProfileDescriptionTag, desc);
    char path[300];
    FMT(path, "%s/%s.icc", dirs.root, name);
    assert_true(cmsSaveProfileToFile(h, path));
    cmsMLUfree(desc);
    cmsCloseProfile(h);
    cmsFreeToneCurve(curve);
}

/* The tests' sources, made once: SRC/GAMUT_CONTAINER.CONTAINER for every gamut and container, the
 * photo (at 600 px, to keep encoding quick) converted from sRGB into the gamut, its profile
 * embedded; and SRC/untagged.jpg, the photo as it is. Each test writes into a DST of its own. */
static int tagged_sources(void **state)
{
    setup_dirs(state);
    shf("cd '%s' && vips thumbnail '%s/photos/orientation/Landscape_1.jpg' photo.v 600 && "
        "vips copy photo.v '%s/untagged.jpg'",
        dirs.root, TESTDATA, dirs.src);
    for (size_t g = 0; g < NGAMUTS; g++) {
        write_profile(gamuts[g]);
        shf("cd '%s' && vips icc_transform photo.v %s.v %s.icc --input-profile srgb", dirs.root,
            gamuts[g], gamuts[g]);
        for (size_t c = 0; c < NCONTAINERS; c++) {
            shf("cd '%s' && vips copy %s.v '%s/%s_%s.%s'", dirs.root, gamuts[g], dirs.src,
                gamuts[g], containers[c], containers[c]);
        }
    }
    return 0;
}

/* The mean of each of path's three channels. */
static void means(const char *path, double m[3])
{
    VipsImage *im = load(path);
    assert_true(im->Bands >= 3);
    for (int b = 0; b < 3; b++) {
        VipsImage *band;
        assert_int_equal(vips_extract_band(im, &band, b, NULL), 0);
        assert_int_equal(vips_avg(band, &m[b], NULL), 0);
        g_object_unref(band);
    }
    g_object_unref(im);
}

/* vipsthumbnail's 256 px thumbnail of SRC/name as ROOT/ref.png, with its extra options. */
static void reference(const char *name, const char *options)
{
    shf("vipsthumbnail '%s/%s' -s 256 %s -o '%s/ref.png'", dirs.src, name, options, dirs.root);
}

static void expect_means(const char *what, const double got[3], const double want[3], double tol)
{
    for (int b = 0; b < 3; b++)
        if (fabs(got[b] - want[b]) > tol)
            fail_msg("%s: channel means %.1f %.1f %.1f, expected %.1f %.1f %.1f (+-%.0f)", what,
                     got[0], got[1], got[2], want[0], want[1], want[2], tol);
}

/* Every wide-gamut source in every container comes out converted to sRGB, as vipsthumbnail
 * --eprofile srgb converts it; the same pixels taken for sRGB would be visibly off, and an
 * untagged photo is not changed. */
static void converted_to_srgb(void **state)
{
    (void)state;
    char dst[300];
    FMT(dst, "%s/srgb", dirs.dst);
    proc_result_t r =
        tg_run(BIN, dirs.src, dst, "-f", "png", "-s", "256", "--quiet", "-j", "2", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    char ref[300], out[400], name[100];
    FMT(ref, "%s/ref.png", dirs.root);
    for (size_t g = 0; g < NGAMUTS; g++)
        for (size_t c = 0; c < NCONTAINERS; c++) {
            FMT(name, "%s_%s.%s", gamuts[g], containers[c], containers[c]);
            double want[3], plain[3], got[3];
            reference(name, "");
            means(ref, plain);
            reference(name, "--eprofile srgb");
            means(ref, want);
            /* The fixture is worth testing: taken for sRGB, it would be off by more than 2. */
            double off = 0;
            for (int b = 0; b < 3; b++)
                off = fmax(off, fabs(plain[b] - want[b]));
            if (off <= 2)
                fail_msg("%s: its profile changes too little to test (%.1f)", name, off);
            FMT(out, "%s/%s_%s.png", dst, gamuts[g], containers[c]);
            means(out, got);
            expect_means(name, got, want, 1);
            VipsImage *im = load(out);
            assert_int_equal(vips_image_get_typeof(im, VIPS_META_ICC_NAME), 0);
            g_object_unref(im);
        }
    double want[3], got[3];
    reference("untagged.jpg", "");
    means(ref, want);
    FMT(out, "%s/untagged.png", dst);
    means(out, got);
    expect_means("untagged.jpg", got, want, 0.1);
}

/* --keep-metadata keeps the source's gamut: the pixels as the source holds them (as vipsthumbnail
 * gives them without --eprofile) and the source's own profile embedded, in every format that can
 * embed one. */
static void kept_with_keep_metadata(void **state)
{
    (void)state;
    const char *formats[] = {"png", "jpeg", "webp", "avif"};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        char dst[300];
        FMT(dst, "%s/kept-%s", dirs.dst, formats[f]);
        tg_expect(0, BIN, dirs.src, dst, "-f", formats[f], "-s", "256", "--keep-metadata",
                  "--quiet", "-j", "2", NULL);
    }
    char ref[300], out[400], name[100], icc[300];
    FMT(ref, "%s/ref.png", dirs.root);
    for (size_t g = 0; g < NGAMUTS; g++) {
        FMT(icc, "%s/%s.icc", dirs.root, gamuts[g]);
        gchar *profile;
        gsize plen;
        assert_true(g_file_get_contents(icc, &profile, &plen, NULL));
        for (size_t c = 0; c < NCONTAINERS; c++) {
            FMT(name, "%s_%s.%s", gamuts[g], containers[c], containers[c]);
            double want[3], got[3];
            reference(name, "");
            means(ref, want);
            for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
                FMT(out, "%s/kept-%s/%s_%s.%s", dirs.dst, formats[f], gamuts[g], containers[c],
                    f == 1 ? "jpg" : formats[f]);
                if (f == 0) { /* lossless */
                    means(out, got);
                    expect_means(name, got, want, 1);
                }
                VipsImage *im = load(out);
                const void *data;
                size_t len;
                if (vips_image_get_blob(im, VIPS_META_ICC_NAME, &data, &len) != 0 || len != plen ||
                    memcmp(data, profile, len) != 0)
                    fail_msg("%s does not embed its source's profile", out);
                g_object_unref(im);
            }
        }
        g_free(profile);
    }
}

int main(void)
{
    if (VIPS_INIT("test_cli_icc"))
        return 1;
    vips_cache_set_max(0); /* ref.png is rewritten for every source */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(converted_to_srgb),
        cmocka_unit_test(kept_with_keep_metadata),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, tagged_sources, teardown_dirs));
}
