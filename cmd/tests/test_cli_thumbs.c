/* End-to-end tests of what `thumbgen SRC DST` makes of its images: sizes, crops, orientation,
 * colour, alpha and the manifest, on a copy of testdata/ (outputs.h's setup_testdata), inspected
 * with libvips. Which sources a run takes is test_cli_walk.c; usage errors, test_cli_usage.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN
typedef tg_dirs_t fixture_t;

/* The whole testdata tree: every good file made, every bad one reported, status 1. */
static void whole_tree(void **state)
{
    fixture_t *f = *state;
    tg_tree_t tree;
    tree_list(f->src, &tree);
    proc_result_t r = tg_run(BIN, f->src, f->dst, "--manifest", f->manifest, "-j", "2", NULL);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "bad/truncated.jpg: "));
    assert_non_null(strstr(r.err, "bad/empty.jpg: empty file"));
    assert_non_null(strstr(r.err, "bad/notes.jpg: not a recognised image format"));
    assert_null(strstr(r.err, "readme.txt")); /* not an image: skipped silently */
    assert_null(strstr(r.err, "WARNING"));
    expect_run(r, 1, tree.ngood, 0, tree.nother, tree.nbad);
    assert_int_equal(count_outputs(f->dst, ".jpg"), tree.ngood);
    assert_int_equal(count_outputs(f->dst, ".thumbgen-"), 0);
    /* No thumbnail for a bad input, not even a grey one. */
    assert_int_equal(access(at(f->dst, "bad/truncated.jpg"), F_OK), -1);
    /* Spaces and non-ASCII survive. */
    assert_int_equal(access(at(f->dst, "nested/a b/ü deep/été photo 1.jpg"), F_OK), 0);

    /* Every output fits the 256 box with its source's aspect (after orientation). */
    const char *names[][2] = {
        {"photos/orientation/Landscape_6.jpg", "photos/orientation/Landscape_6.jpg"},
        {"photos/orientation/Portrait_6.jpg", "photos/orientation/Portrait_6.jpg"},
        {"formats/cmyk.jpg", "formats/cmyk.jpg"},
        {"formats/deep16.png", "formats/deep16.jpg"},
        {"formats/anim.gif", "formats/anim.jpg"}};
    for (size_t i = 0; i < 5; i++) {
        VipsImage *in = load(at(f->src, names[i][0]));
        VipsImage *rot;
        assert_int_equal(vips_autorot(in, &rot, NULL), 0);
        VipsImage *out = load(at(f->dst, names[i][1]));
        assert_true(out->Xsize <= 256 && out->Ysize <= 256);
        assert_true(out->Xsize == 256 || out->Ysize == 256 || in->Xsize < 256);
        double ain = (double)rot->Xsize / rot->Ysize, aout = (double)out->Xsize / out->Ysize;
        assert_true(ain / aout > 0.98 && ain / aout < 1.02);
        assert_int_equal(out->BandFmt, VIPS_FORMAT_UCHAR);
        g_object_unref(out);
        g_object_unref(rot);
        g_object_unref(in);
    }

    /* CMYK input comes out as 3-band sRGB; 16-bit as 8-bit sRGB. */
    VipsImage *cmyk = load(at(f->dst, "formats/cmyk.jpg"));
    assert_int_equal(cmyk->Bands, 3);
    assert_int_equal(vips_image_guess_interpretation(cmyk), VIPS_INTERPRETATION_sRGB);
    VipsImage *ref = load(at(f->dst, "formats/scan.jpg"));
    assert_true(mean_abs_diff(cmyk, ref) < 20); /* the same picture, colours kept */
    g_object_unref(ref);
    g_object_unref(cmyk);

    /* Alpha flattened onto white for JPEG: the transparent left half is white. */
    VipsImage *alpha = load(at(f->dst, "formats/alpha.jpg"));
    assert_int_equal(alpha->Bands, 3);
    double *px;
    int n;
    assert_int_equal(vips_getpoint(alpha, &px, &n, 10, 10, NULL), 0);
    assert_true(px[0] > 245 && px[1] > 245 && px[2] > 245);
    g_free(px);
    g_object_unref(alpha);

    /* Animated GIF: the first frame (red). */
    VipsImage *anim = load(at(f->dst, "formats/anim.jpg"));
    assert_int_equal(anim->Ysize, 80);
    assert_int_equal(vips_getpoint(anim, &px, &n, 60, 40, NULL), 0);
    assert_true(px[0] > 200 && px[1] < 60 && px[2] < 60);
    g_free(px);
    g_object_unref(anim);

    /* The manifest: one valid line per source, with its fields. */
    char *m = slurp(f->manifest);
    assert_non_null(m);
    assert_int_equal(count_lines(m), tree.ngood + tree.nbad + tree.nother);
    tree_free(&tree);
    assert_non_null(strstr(m, "\"status\":\"made\",\"dst\":"));
    assert_non_null(strstr(m, "\"width\":256,\"height\":171,\"bytes\":"));
    assert_non_null(strstr(m, "truncated.jpg\",\"status\":\"failed\""));
    assert_non_null(strstr(m, "readme.txt\",\"status\":\"skipped\""));
    assert_non_null(strstr(m, "\"error\":\"empty file\"}"));
    assert_non_null(strstr(m, "\"error\":null}"));
}

/* Thumbnails dir's Landscape_0..8.jpg into dst and checks that every one shows the same upright
 * picture as Landscape_1 (orientation 1: stored upright). Returns that thumbnail. */
static VipsImage *all_upright(const char *dir, const char *dst)
{
    proc_result_t r = tg_run(BIN, dir, dst, "--quiet", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    proc_result_free(&r);
    VipsImage *up = load(at(dst, "Landscape_1.jpg"));
    for (int k = 0; k <= 8; k++) {
        char name[32];
        snprintf(name, sizeof name, "Landscape_%d.jpg", k);
        VipsImage *im = load(at(dst, name));
        assert_int_equal(im->Xsize, up->Xsize);
        assert_int_equal(im->Ysize, up->Ysize);
        assert_true(mean_abs_diff(im, up) < 6);
        g_object_unref(im);
    }
    return up;
}

/* Every EXIF orientation 0-8 gives the same upright picture; --no-rotate does not. */
static void orientation(void **state)
{
    fixture_t *f = *state;
    VipsImage *up = all_upright(at(f->src, "photos/orientation"), f->dst);
    char nr[256];
    snprintf(nr, sizeof nr, "%s/norot", f->root);
    proc_result_t r =
        tg_run(BIN, at(f->src, "photos/orientation/Landscape_3.jpg"), nr, "--no-rotate", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    VipsImage *flipped = load(at(nr, "Landscape_3.jpg"));
    assert_true(mean_abs_diff(flipped, up) > 20);
    g_object_unref(flipped);
    g_object_unref(up);
}

/* The same with real camera photos, read from ../shared/corpus where this checkout has it (CI
 * does); they are never copied into the project. */
static void orientation_real_photos(void **state)
{
    fixture_t *f = *state;
    if (access(CORPUS "/exif-orientation/Landscape_8.jpg", R_OK) != 0) {
        print_message("skipped: no real photos at %s/exif-orientation\n", CORPUS);
        skip();
    }
    g_object_unref(all_upright(CORPUS "/exif-orientation", f->dst));
}

/* Crop modes fill the box exactly; several sizes go to DST/<size>/. */
static void crop_and_sizes(void **state)
{
    fixture_t *f = *state;
    const char *modes[] = {"centre", "attention", "entropy"};
    for (int i = 0; i < 3; i++) {
        char out[256];
        snprintf(out, sizeof out, "%s/%s", f->root, modes[i]);
        tg_expect(0, BIN, at(f->src, "formats"), out, "--crop", modes[i], "-s", "100x60", "--quiet",
                  NULL);
        const char *names[] = {"cmyk.jpg", "scan.jpg", "grey.jpg"};
        for (int k = 0; k < 3; k++) {
            VipsImage *im = load(at(out, names[k]));
            assert_int_equal(im->Xsize, 100);
            assert_int_equal(im->Ysize, 60);
            g_object_unref(im);
        }
    }
    tg_expect(0, BIN, at(f->src, "photos/orientation"), f->dst, "-s", "64,200x,x100", "--quiet",
              NULL);
    VipsImage *a = load(at(f->dst, "64/Landscape_6.jpg"));
    VipsImage *b = load(at(f->dst, "200x/Landscape_6.jpg"));
    VipsImage *c = load(at(f->dst, "x100/Landscape_6.jpg"));
    assert_int_equal(a->Xsize, 64);
    assert_int_equal(b->Xsize, 200);
    assert_int_equal(c->Ysize, 100);
    g_object_unref(a);
    g_object_unref(b);
    g_object_unref(c);

    /* --name with %z: every size in the mirrored folder itself, named by its size. */
    char named[256];
    snprintf(named, sizeof named, "%s/named", f->root);
    tg_expect(0, BIN, at(f->src, "photos"), named, "-s", "64,x100", "--name", "thumb-%s-%z",
              "--quiet", NULL);
    VipsImage *s64 = load(at(named, "orientation/thumb-Landscape_6-64.jpg"));
    VipsImage *s100 = load(at(named, "orientation/thumb-Landscape_6-x100.jpg"));
    assert_int_equal(s64->Xsize, 64);
    assert_int_equal(s100->Ysize, 100);
    g_object_unref(s64);
    g_object_unref(s100);
    assert_int_equal(access(at(named, "64"), F_OK), -1);
}

/* Formats that keep alpha keep it. */
static void png_keeps_alpha(void **state)
{
    fixture_t *f = *state;
    tg_expect(0, BIN, at(f->src, "formats/alpha.png"), f->dst, "-f", "png", NULL);
    VipsImage *im = load(at(f->dst, "alpha.png"));
    assert_int_equal(im->Bands, 4);
    double *px;
    int n;
    assert_int_equal(vips_getpoint(im, &px, &n, 10, 10, NULL), 0);
    assert_true(px[3] < 5);
    g_free(px);
    g_object_unref(im);
}

/* --max-pixels refuses big images from their header. */
static void pixel_limit(void **state)
{
    fixture_t *f = *state;
    proc_result_t r = tg_run(BIN, at(f->src, "formats"), f->dst, "--max-pixels", "50000", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "cmyk.jpg: image too large: 300x200 pixels, limit 50000"));
    assert_non_null(strstr(r.err, "2 made")); /* the 120x80 GIF and WebP fit */
    proc_result_free(&r);
}

int main(void)
{
    if (VIPS_INIT("test_cli_thumbs"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(whole_tree, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(orientation, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(orientation_real_photos, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(crop_and_sizes, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(png_keeps_alpha, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(pixel_limit, setup_testdata, teardown_dirs),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
