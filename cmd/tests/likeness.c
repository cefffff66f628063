#include "likeness.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lcms2.h>
#include <vips/vips.h>

#include "outputs.h"

double likeness_worst = 1e9;
char likeness_worst_name[600];

/* PSNR of a against b (same size), over every band. */
static double psnr(VipsImage *a, VipsImage *b)
{
    VipsImage *d, *sq;
    double mse;
    assert_int_equal(vips_subtract(a, b, &d, NULL), 0);
    assert_int_equal(vips_multiply(d, d, &sq, NULL), 0);
    assert_int_equal(vips_avg(sq, &mse, NULL), 0);
    g_object_unref(sq);
    g_object_unref(d);
    return mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 99;
}

void likeness_compare(const char *fast, const char *slow)
{
    VipsImage *a = load(fast), *b = load(slow);
    if (a->Xsize != b->Xsize || a->Ysize != b->Ysize || a->Bands != b->Bands)
        fail_msg("%s: %dx%dx%d, libvips' path made %dx%dx%d", fast, a->Xsize, a->Ysize, a->Bands,
                 b->Xsize, b->Ysize, b->Bands);
    double p = psnr(a, b);
    if (p < likeness_worst) {
        likeness_worst = p;
        snprintf(likeness_worst_name, sizeof likeness_worst_name, "%s", fast);
    }
    if (p < 40)
        fail_msg("%s: PSNR %.2f dB against libvips' path (want >= 40)", fast, p);
    for (int i = 0; i < a->Bands; i++) {
        VipsImage *ba, *bb;
        double ma, mb;
        assert_int_equal(vips_extract_band(a, &ba, i, NULL), 0);
        assert_int_equal(vips_extract_band(b, &bb, i, NULL), 0);
        assert_int_equal(vips_avg(ba, &ma, NULL), 0);
        assert_int_equal(vips_avg(bb, &mb, NULL), 0);
        if (fabs(ma - mb) > 1)
            fail_msg("%s: band %d mean %.2f, libvips' path %.2f", fast, i, ma, mb);
        g_object_unref(ba);
        g_object_unref(bb);
    }
    g_object_unref(a);
    g_object_unref(b);
}

void likeness_upright(const char *dir)
{
    char path[600];
    FMT(path, "%s/600/Landscape_6.png", dir);
    VipsImage *im = load(path);
    if (im->Xsize <= im->Ysize)
        fail_msg("%s: %dx%d, not upright", path, im->Xsize, im->Ysize);
    g_object_unref(im);
}

VipsImage *likeness_photo(int w, int h, bool grey, const char *icc)
{
    VipsImage *photo = load(TESTDATA "/photos/orientation/Landscape_1.jpg"), *img = NULL, *x = NULL;
    if (w != photo->Xsize || h != photo->Ysize)
        assert_int_equal(
            vips_thumbnail_image(photo, &img, w, "height", h, "size", VIPS_SIZE_FORCE, NULL), 0);
    else
        img = g_object_ref(photo);
    g_object_unref(photo);
    if (grey)
        assert_int_equal(vips_colourspace(img, &x, VIPS_INTERPRETATION_B_W, NULL), 0);
    else if (icc != NULL)
        assert_int_equal(vips_icc_transform(img, &x, icc, "input_profile", "srgb", NULL), 0);
    else
        return img;
    g_object_unref(img);
    return x;
}

const char *likeness_adobe_icc(const char *dir)
{
    static char path[400];
    FMT(path, "%s/adobe.icc", dir);
    cmsCIExyY d65 = {0.3127, 0.3290, 1.0};
    cmsCIExyYTRIPLE p = {{0.64, 0.33, 1}, {0.21, 0.71, 1}, {0.15, 0.06, 1}};
    cmsToneCurve *curve = cmsBuildGamma(NULL, 563.0 / 256);
    cmsToneCurve *curves[3] = {curve, curve, curve};
    cmsHPROFILE h = cmsCreateRGBProfile(&d65, &p, curves);
    assert_non_null(h);
    assert_true(cmsSaveProfileToFile(h, path));
    cmsCloseProfile(h);
    cmsFreeToneCurve(curve);
    return path;
}

void likeness_paths(const char *err, unsigned *jpeg, unsigned *png, unsigned *libvips)
{
    const char *p = strstr(err, "resize paths: ");
    if (p == NULL || sscanf(p,
                            "resize paths: %u JPEG fast path (libjpeg-turbo + libswscale), %u PNG "
                            "fast path (libdeflate + libpng + libswscale), %u libvips",
                            jpeg, png, libvips) != 3)
        fail_msg("no resize paths line in: %s", err);
}

/* The line of err that names file (malloc'd). Fails the test when none does. */
static char *line_of(const char *err, const char *file)
{
    const char *p = strstr(err, file);
    if (p == NULL)
        fail_msg("no line names %s in: %s", file, err);
    while (p > err && p[-1] != '\n')
        p--;
    const char *e = strchr(p, '\n');
    return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

char *likeness_same_failure(const char *err_fast, const char *err_slow, const char *file,
                            const char *dir)
{
    char *lf = line_of(err_fast, file), *ls = line_of(err_slow, file), path[600];
    assert_string_equal(lf, ls);
    free(ls);
    FMT(path, "%s/200/%.*s.png", dir, (int)strcspn(file, "."), file);
    if (access(path, F_OK) == 0)
        fail_msg("%s: made, though %s", path, lf);
    return lf;
}
