/* End-to-end tests of colour described by nclx (AVIF/HEIF code points, no ICC profile), with
 * files made here by testdata/make-nclx.c from flat patches written with the vips command: Display
 * P3 primaries, PQ and HLG transfers. Each thumbnail is checked by its pixels. (Debian 12's
 * libheif writes no nclx box for HEVC, and its AV1 encoder aborts on 10-bit input, so the files
 * are 8-bit AVIF; the nclx box is the same in both containers.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN

#define dirs test_dirs

/* SRC/name: patches of 32x32 side by side, each of the 8-bit code values given ("R G B" each),
 * in the nclx space primaries/transfer. */
static void patches(const char *name, int primaries, int transfer, const char *const *codes, int n)
{
    char cmd[4096], *p = cmd;
    size_t left = sizeof cmd;
    int k = snprintf(p, left, "cd '%s' && vips black k.v 32 32 --bands 3", dirs.root);
    for (int i = 0; i < n; i++) {
        p += k, left -= (size_t)k;
        k = snprintf(p, left, " && vips linear k.v p%d.v '1 1 1' '%s' --uchar", i, codes[i]);
        if (i > 0) {
            p += k, left -= (size_t)k;
            k = snprintf(p, left, " && vips join %s.v p%d.v j%d.v horizontal", i == 1 ? "p0" : "j",
                         i, i);
            p += k, left -= (size_t)k;
            k = snprintf(p, left, " && mv j%d.v j.v", i);
        }
    }
    p += k, left -= (size_t)k;
    k = snprintf(p, left, " && vips copy %s.v in.png && '%s' in.png '%s/%s' %d %d",
                 n > 1 ? "j" : "p0", MAKE_NCLX, dirs.src, name, primaries, transfer);
    if ((size_t)k >= left)
        fail_msg("command too long");
    sh(cmd);
}

/* The colour of patch i of DST/name (32 px patches, made at their own size). */
static void patch(const char *name, int i, double rgb[3])
{
    char path[300];
    FMT(path, "%s/%s", dirs.dst, name);
    VipsImage *im = load(path);
    double *px;
    int n;
    assert_int_equal(vips_getpoint(im, &px, &n, 32 * i + 16, 16, NULL), 0);
    assert_int_equal(n, 3);
    memcpy(rgb, px, 3 * sizeof *px);
    g_free(px);
    g_object_unref(im);
}

static void expect_near(const char *what, const double got[3], double r, double g, double b,
                        double tol)
{
    if (fabs(got[0] - r) > tol || fabs(got[1] - g) > tol || fabs(got[2] - b) > tol)
        fail_msg("%s: %.0f %.0f %.0f, expected %.0f %.0f %.0f (+-%.0f)", what, got[0], got[1],
                 got[2], r, g, b, tol);
}

/* Display P3 (primaries 12, sRGB's transfer): the pure P3 red becomes sRGB's clipped red, a grey
 * stays grey, and a colour inside sRGB's gamut becomes the more saturated sRGB code values that
 * show it (taken for sRGB as it is, it would stay 200 100 100). --keep-metadata keeps the P3 code
 * values and embeds their profile instead. */
static void display_p3(void **state)
{
    (void)state;
    const char *codes[] = {"255 0 0", "128 128 128", "200 100 100"};
    patches("p3.avif", 12, 13, codes, 3);
    proc_result_t r = tg_run(BIN, dirs.src, dirs.dst, "-s", "96", NULL);
    assert_int_equal(r.status, 0);
    assert_null(strstr(r.err, "nclx"));
    proc_result_free(&r);
    double c[3];
    patch("p3.jpg", 0, c);
    expect_near("P3 red", c, 255, 0, 0, 12);
    patch("p3.jpg", 1, c);
    expect_near("P3 grey", c, 128, 128, 128, 4);
    patch("p3.jpg", 2, c);
    expect_near("P3 200 100 100", c, 217, 93, 96, 6);

    tg_expect(0, BIN, dirs.src, dirs.dst, "-s", "96", "--keep-metadata", "--force", NULL);
    patch("p3.jpg", 2, c);
    expect_near("P3 kept", c, 200, 100, 100, 6);
    char path[300];
    FMT(path, "%s/p3.jpg", dirs.dst);
    VipsImage *im = load(path);
    assert_true(vips_image_get_typeof(im, VIPS_META_ICC_NAME) != 0);
    g_object_unref(im);
}

/* HDR: PQ (BT.2020 primaries, transfer 16) and HLG (transfer 18) tone-mapped to SDR: mid-grey
 * (about 40 cd/m2) comes out mid-grey, reference white (203 cd/m2) near white, a 1000 cd/m2
 * highlight white, all neutral. Taken for sRGB they would be 109, 148 and 192: flat. */
static void hdr_tone_mapped(void **state)
{
    (void)state;
    const char *pq[] = {"109 109 109", "148 148 148", "192 192 192"};
    const char *hlg[] = {"116 116 116", "191 191 191", "255 255 255"};
    patches("pq.avif", 9, 16, pq, 3);
    patches("hlg.avif", 9, 18, hlg, 3);
    tg_expect(0, BIN, dirs.src, dirs.dst, "-s", "96", NULL);
    const char *names[] = {"pq.jpg", "hlg.jpg"};
    for (int f = 0; f < 2; f++) {
        double c[3];
        patch(names[f], 0, c);
        expect_near("mid-grey", c, 125, 125, 125, 22);
        patch(names[f], 1, c);
        expect_near("reference white", c, 235, 235, 235, 14);
        patch(names[f], 2, c);
        expect_near("highlight", c, 255, 255, 255, 4);
    }
}

int main(void)
{
    if (VIPS_INIT("test_cli_colour"))
        return 1;
    vips_cache_set_max(0); /* the same path is read again after a rerun rewrote it */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(display_p3, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(hdr_tone_mapped, setup_dirs, teardown_dirs),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
