/* End-to-end tests of thumbnail sizes against libvips' own thumbnailer: every size of a run, the
 * largest (decoded from the file) and the others (derived from it in memory), must be exactly the
 * size `vipsthumbnail -s SIZE` gives on the same file, run here. Sources of odd aspect ratios, made
 * here as JPEG, PNG and WebP (whose loaders shrink on load with different rounding), and
 * EXIF-turned photos from testdata. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN

#define dirs test_dirs

/* Width x height of the made sources; aurora's 2560x868 at 320 is the case a user met. */
static const int shapes[][2] = {{2560, 868}, {2560, 866}, {641, 2047}, {2001, 1127}, {577, 1999}};
#define NSHAPES (sizeof shapes / sizeof shapes[0])
static const char *const exts[] = {"jpg", "png", "webp"};
#define NEXTS (sizeof exts / sizeof exts[0])

/* The sources' names (relative to SRC), NULL-terminated. */
static char names[NSHAPES * NEXTS + 3][64];
static const char *sources[NSHAPES * NEXTS + 3];

/* SRC/WxH-EXT.EXT for every shape and extension, and testdata's turned photos. */
static int make_sources(void **state)
{
    setup_dirs(state);
    int n = 0;
    for (size_t s = 0; s < NSHAPES; s++) {
        shf("cd '%s' && vips black b.v %d %d --bands 3 && vips linear b.v c.v 1 90 --uchar",
            dirs.root, shapes[s][0], shapes[s][1]);
        for (size_t e = 0; e < NEXTS; e++) {
            FMT(names[n], "%dx%d-%s.%s", shapes[s][0], shapes[s][1], exts[e], exts[e]);
            shf("cd '%s' && vips copy c.v '%s/%s'", dirs.root, dirs.src, names[n]);
            sources[n] = names[n];
            n++;
        }
    }
    const char *turned[] = {"Landscape_6.jpg", "Portrait_6.jpg"};
    for (int i = 0; i < 2; i++) {
        shf("cp '%s/photos/orientation/%s' '%s'", TESTDATA, turned[i], dirs.src);
        FMT(names[n], "%s", turned[i]);
        sources[n] = names[n];
        n++;
    }
    sources[n] = NULL;
    return 0;
}

/* The size of path, "WxH". */
static void size_of(const char *path, char *out, size_t n)
{
    VipsImage *im = vips_image_new_from_file(path, NULL);
    if (im == NULL)
        fail_msg("cannot load %s: %s", path, vips_error_buffer());
    snprintf(out, n, "%dx%d", im->Xsize, im->Ysize);
    g_object_unref(im);
}

/* vipsthumbnail's size for SRC/name at size (with extra options). */
static void reference(const char *name, const char *size, const char *options, char *out, size_t n)
{
    char ref[300];
    FMT(ref, "%s/ref.v", dirs.root);
    shf("vipsthumbnail '%s/%s' -s %s %s -o '%s'", dirs.src, name, size, options, ref);
    size_of(ref, out, n);
}

/* Runs thumbgen on SRC into DST/tag with -s sizes (comma-separated, each vipsthumbnail's syntax
 * too) and the extra argument, then checks every source at every size. */
static void expect_sizes(const char *tag, const char *sizes, const char *extra,
                         const char *vips_extra)
{
    char dst[300];
    FMT(dst, "%s/%s", dirs.dst, tag);
    proc_result_t r = extra != NULL ? tg_run(BIN, dirs.src, dst, "-s", sizes, "-f", "png",
                                             "--quiet", "-j", "2", extra, NULL)
                                    : tg_run(BIN, dirs.src, dst, "-s", sizes, "-f", "png",
                                             "--quiet", "-j", "2", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    char list[200];
    FMT(list, "%s", sizes);
    bool several = strchr(sizes, ',') != NULL;
    int wrong = 0;
    for (char *save, *size = strtok_r(list, ",", &save); size != NULL;
         size = strtok_r(NULL, ",", &save))
        for (int i = 0; sources[i] != NULL; i++) {
            char out[400], got[32], want[32], base[64];
            FMT(base, "%s", sources[i]);
            *strrchr(base, '.') = '\0';
            if (several)
                FMT(out, "%s/%s/%s.png", dst, size, base);
            else
                FMT(out, "%s/%s.png", dst, base);
            size_of(out, got, sizeof got);
            reference(sources[i], size, vips_extra, want, sizeof want);
            if (strcmp(got, want) != 0) {
                print_message("%s at %s%s: %s, vipsthumbnail %s\n", sources[i], size,
                              extra ? extra : "", got, want);
                wrong++;
            }
        }
    assert_int_equal(wrong, 0);
}

/* One size: decoded from the file at that size. */
static void one_size(void **state)
{
    (void)state;
    expect_sizes("one", "320", NULL, "");
}

/* Several sizes from one decode: the smaller ones are derived in memory, yet each is the size
 * libvips gives from the file. */
static void several_sizes(void **state)
{
    (void)state;
    expect_sizes("several", "1024,320,257,100", NULL, "");
    expect_sizes("axes", "500x,x150,97x", NULL, "");
}

/* With --crop each size fills its box. */
static void cropped_sizes(void **state)
{
    (void)state;
    expect_sizes("crop", "320x200,100x100,64x300", "--crop=centre", "--smartcrop centre");
}

int main(void)
{
    if (VIPS_INIT("test_cli_sizes"))
        return 1;
    vips_cache_set_max(0); /* ref.v is rewritten for every check */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_size),
        cmocka_unit_test(several_sizes),
        cmocka_unit_test(cropped_sizes),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, make_sources, teardown_dirs));
}
