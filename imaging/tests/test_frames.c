/* Unit tests of decoder/frames: an animated GIF's frames in memory, the alpha band dropped only
 * when every pixel is opaque, compared pixel for pixel and field for field with libvips' own
 * decode of the same bytes. The GIFs are made here, by ffmpeg. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <vips/vips.h>

#include "decoder/frames.h"

/* A GIF of pages frames of w x ph pixels made by ffmpeg from its test pattern (as a camera roll's
 * GIFs are made: frames after the first use a transparent index for what did not change, so
 * libvips loads it with alpha even though every pixel is opaque); with hole, the lower half of
 * the first frame is transparent. Returns the bytes (g_free) and their length. */
static void *make_gif(int w, int ph, int pages, bool hole, size_t *len)
{
    char dir[] = "/tmp/tg-frames-XXXXXX", cmd[1024], path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/a.gif", dir);
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -v error -f lavfi -i 'testsrc2=s=%dx%d:r=10:d=%g,format=rgba,"
             "geq=r=r(X\\,Y):g=g(X\\,Y):b=b(X\\,Y):a=if(lt(Y\\,%d)+gt(N\\,0)\\,255\\,0),"
             "split[a][b];[a]palettegen=reserve_transparent=1[p];[b][p]paletteuse' '%s'",
             w, ph, pages / 10.0 - 0.001, hole ? ph / 2 : ph + 1, path);
    assert_int_equal(system(cmd), 0);
    gchar *buf;
    gsize n;
    assert_true(g_file_get_contents(path, &buf, &n, NULL));
    unlink(path);
    rmdir(dir);
    *len = n;
    return buf;
}

static VipsImage *decode(const void *gif, size_t len)
{
    VipsSource *s = vips_source_new_from_memory(gif, len);
    VipsImage *im = vips_image_new_from_source(s, "n=-1", NULL);
    g_object_unref(s);
    assert_non_null(im);
    VipsImage *mem = vips_image_copy_memory(im);
    g_object_unref(im);
    return mem;
}

static int loaded(const void *gif, size_t len, VipsImage **out)
{
    VipsSource *s = vips_source_new_from_memory(gif, len);
    int r = frames_load(s, out);
    g_object_unref(s);
    return r;
}

static void assert_same_pixels(VipsImage *a, VipsImage *b)
{
    assert_int_equal(a->Xsize, b->Xsize);
    assert_int_equal(a->Ysize, b->Ysize);
    assert_int_equal(a->Bands, b->Bands);
    VipsImage *eq;
    double min;
    assert_int_equal(vips_equal(a, b, &eq, NULL), 0);
    assert_int_equal(vips_min(eq, &min, NULL), 0);
    g_object_unref(eq);
    assert_true(min == 255);
}

/* Loads a GIF through frames_load and checks it against libvips' decode: alpha kept exactly when
 * some pixel is transparent, the same pixels otherwise, and the animation's fields. */
static void check(int w, int ph, int pages, bool hole)
{
    size_t len;
    void *gif = make_gif(w, ph, pages, hole, &len);
    VipsImage *ref = decode(gif, len), *got;
    assert_int_equal(ref->Bands, 4); /* libvips 8.14 loads every GIF with alpha */
    VipsImage *alpha;
    double amin;
    assert_int_equal(vips_extract_band(ref, &alpha, 3, NULL), 0);
    assert_int_equal(vips_min(alpha, &amin, NULL), 0);
    g_object_unref(alpha);
    assert_true(hole ? amin == 0 : amin == 255);

    assert_int_equal(loaded(gif, len, &got), 0);
    if (hole) {
        assert_same_pixels(got, ref);
    } else {
        VipsImage *rgb;
        assert_int_equal(vips_extract_band(ref, &rgb, 0, "n", 3, NULL), 0);
        assert_same_pixels(got, rgb);
        g_object_unref(rgb);
    }
    assert_int_equal(got->Type, VIPS_INTERPRETATION_sRGB);
    assert_int_equal(vips_image_get_page_height(got), ph);
    assert_int_equal(vips_image_get_n_pages(got), pages);
    int *dr, *dg, nr, ng, lr, lg;
    assert_int_equal(vips_image_get_array_int(ref, "delay", &dr, &nr), 0);
    assert_int_equal(vips_image_get_array_int(got, "delay", &dg, &ng), 0);
    assert_int_equal(ng, nr);
    assert_memory_equal(dg, dr, sizeof(int) * (size_t)nr);
    assert_int_equal(dg[pages - 1], 100);
    assert_int_equal(vips_image_get_int(ref, "loop", &lr), 0);
    assert_int_equal(vips_image_get_int(got, "loop", &lg), 0);
    assert_int_equal(lg, lr);
    g_object_unref(got);
    g_object_unref(ref);
    g_free(gif);
}

static void opaque_frames_lose_alpha(void **state)
{
    (void)state;
    check(40, 24, 3, false);
}

/* The first frame's top half is opaque, so its lines are stored without alpha before the first
 * transparent one arrives and they get it back. */
static void transparent_frames_keep_alpha(void **state)
{
    (void)state;
    check(40, 24, 3, true);
}

/* The buffer kept from one animation serves the next, or a larger one replaces it; either way
 * each result is its own file's. */
static void one_after_another(void **state)
{
    (void)state;
    check(16, 8, 2, false);
    check(64, 32, 5, true);
    check(64, 32, 5, false);
    check(16, 8, 2, true);
    check(100, 60, 8, false);
}

/* Cut inside its first frame: fails, in libvips' words, and leaves nothing behind. */
static void truncated_gif_fails(void **state)
{
    (void)state;
    size_t len;
    void *gif = make_gif(160, 90, 2, false, &len);
    VipsImage *got = NULL;
    vips_error_clear();
    assert_int_equal(loaded(gif, len / 4, &got), -1);
    assert_null(got);
    assert_non_null(strstr(vips_error_buffer(), "Unexpected end of GIF"));
    vips_error_clear();
    g_free(gif);
}

static void which_go_through_memory(void **state)
{
    (void)state;
    assert_true(frames_wanted("VipsForeignLoadNsgifSource", 480, 270, 100, 4));
    assert_false(frames_wanted("VipsForeignLoadNsgifSource", 480, 270, 1, 4));
    assert_false(frames_wanted("VipsForeignLoadWebpSource", 480, 270, 100, 4));
    assert_true(frames_wanted("VipsForeignLoadNsgifSource", 4096, 4096, 4, 4));      /* 256 MiB */
    assert_false(frames_wanted("VipsForeignLoadNsgifSource", 4096, 4096, 4, 4 + 1)); /* more */
}

int main(void)
{
    if (VIPS_INIT("test_frames"))
        return 1;
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(opaque_frames_lose_alpha), cmocka_unit_test(transparent_frames_keep_alpha),
        cmocka_unit_test(one_after_another),        cmocka_unit_test(truncated_gif_fails),
        cmocka_unit_test(which_go_through_memory),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    vips_shutdown();
    return r;
}
