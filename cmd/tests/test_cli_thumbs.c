/* End-to-end tests of `thumbgen SRC DST`: the built binary runs on a copy of testdata/ in a
 * temporary folder, and its outputs are inspected with libvips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
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

typedef tg_dirs_t fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    dirs_make(f, "test");
    char cmd[512];
    FMT(cmd, "cp -r '%s'/. '%s'", TESTDATA, f->src);
    sh(cmd);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    dirs_remove(f);
    free(f);
    return 0;
}

/* Runs thumbgen with the given arguments (NULL-terminated). */
static proc_result_t tg(const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    proc_result_t r = tg_vrun(BIN, first, ap);
    va_end(ap);
    return r;
}

/* a/b in one of 8 rotating buffers: callers keep a result in a local array if they need it
 * beyond a few more calls. */
static char *path2(const char *a, const char *b)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8];
    char tmp[512];
    if (snprintf(tmp, sizeof tmp, "%s/%s", a, b) >= (int)sizeof tmp)
        fail_msg("path too long");
    memcpy(p, tmp, sizeof tmp);
    return p;
}

/* The whole testdata tree: every good file made, every bad one reported, status 1. */
static void whole_tree(void **state)
{
    fixture_t *f = *state;
    tg_tree_t tree;
    tree_list(f->src, &tree);
    proc_result_t r = tg(f->src, f->dst, "--manifest", f->manifest, "-j", "2", NULL);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "bad/truncated.jpg: "));
    assert_non_null(strstr(r.err, "bad/empty.jpg: empty file"));
    assert_non_null(strstr(r.err, "bad/notes.jpg: not a recognised image format"));
    assert_null(strstr(r.err, "readme.txt")); /* not an image: skipped silently */
    assert_null(strstr(r.err, "WARNING"));
    expect_summary(r.err, tree.ngood, 0, tree.nother, tree.nbad);
    proc_result_free(&r);
    assert_int_equal(count_outputs(f->dst, ".jpg"), tree.ngood);
    assert_int_equal(count_outputs(f->dst, ".thumbgen-"), 0);
    /* No thumbnail for a bad input, not even a grey one. */
    assert_int_equal(access(path2(f->dst, "bad/truncated.jpg"), F_OK), -1);
    /* Spaces and non-ASCII survive. */
    assert_int_equal(access(path2(f->dst, "nested/a b/ü deep/été photo 1.jpg"), F_OK), 0);

    /* Every output fits the 256 box with its source's aspect (after orientation). */
    const char *names[][2] = {
        {"photos/orientation/Landscape_6.jpg", "photos/orientation/Landscape_6.jpg"},
        {"photos/orientation/Portrait_6.jpg", "photos/orientation/Portrait_6.jpg"},
        {"formats/cmyk.jpg", "formats/cmyk.jpg"},
        {"formats/deep16.png", "formats/deep16.jpg"},
        {"formats/anim.gif", "formats/anim.jpg"}};
    for (size_t i = 0; i < 5; i++) {
        VipsImage *in = load(path2(f->src, names[i][0]));
        VipsImage *rot;
        assert_int_equal(vips_autorot(in, &rot, NULL), 0);
        VipsImage *out = load(path2(f->dst, names[i][1]));
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
    VipsImage *cmyk = load(path2(f->dst, "formats/cmyk.jpg"));
    assert_int_equal(cmyk->Bands, 3);
    assert_int_equal(vips_image_guess_interpretation(cmyk), VIPS_INTERPRETATION_sRGB);
    VipsImage *ref = load(path2(f->dst, "formats/scan.jpg"));
    assert_true(mean_abs_diff(cmyk, ref) < 20); /* the same picture, colours kept */
    g_object_unref(ref);
    g_object_unref(cmyk);

    /* Alpha flattened onto white for JPEG: the transparent left half is white. */
    VipsImage *alpha = load(path2(f->dst, "formats/alpha.jpg"));
    assert_int_equal(alpha->Bands, 3);
    double *px;
    int n;
    assert_int_equal(vips_getpoint(alpha, &px, &n, 10, 10, NULL), 0);
    assert_true(px[0] > 245 && px[1] > 245 && px[2] > 245);
    g_free(px);
    g_object_unref(alpha);

    /* Animated GIF: the first frame (red). */
    VipsImage *anim = load(path2(f->dst, "formats/anim.jpg"));
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
    proc_result_t r = tg(dir, dst, "--quiet", NULL);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    proc_result_free(&r);
    VipsImage *up = load(path2(dst, "Landscape_1.jpg"));
    for (int k = 0; k <= 8; k++) {
        char name[32];
        snprintf(name, sizeof name, "Landscape_%d.jpg", k);
        VipsImage *im = load(path2(dst, name));
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
    VipsImage *up = all_upright(path2(f->src, "photos/orientation"), f->dst);
    char nr[256];
    snprintf(nr, sizeof nr, "%s/norot", f->root);
    proc_result_t r =
        tg(path2(f->src, "photos/orientation/Landscape_3.jpg"), nr, "--no-rotate", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    VipsImage *flipped = load(path2(nr, "Landscape_3.jpg"));
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

/* Incremental: a second run makes nothing; --force remakes; a touched source is remade. */
static void incremental_and_force(void **state)
{
    fixture_t *f = *state;
    char src[512];
    snprintf(src, sizeof src, "%s/photos", f->src);
    tg_tree_t tree;
    tree_list(src, &tree);
    int n = tree.ngood;
    tree_free(&tree);
    assert_true(n > 1);
    proc_result_t r = tg(src, f->dst, NULL);
    assert_int_equal(r.status, 0);
    expect_summary(r.err, n, 0, 0, 0);
    proc_result_free(&r);
    struct stat before, after;
    assert_int_equal(stat(path2(f->dst, "orientation/Landscape_2.jpg"), &before), 0);
    r = tg(src, f->dst, "--manifest", f->manifest, NULL);
    assert_int_equal(r.status, 0);
    expect_summary(r.err, 0, n, 0, 0);
    proc_result_free(&r);
    assert_int_equal(stat(path2(f->dst, "orientation/Landscape_2.jpg"), &after), 0);
    assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    char *m = slurp(f->manifest);
    assert_null(strstr(m, "\"made\""));
    assert_non_null(strstr(m, "\"up_to_date\""));

    r = tg(src, f->dst, "--force", NULL);
    expect_summary(r.err, n, 0, 0, 0);
    proc_result_free(&r);

    /* A source newer than its thumbnail is remade. */
    struct timespec later[2] = {{.tv_sec = after.st_mtim.tv_sec + 100},
                                {.tv_sec = after.st_mtim.tv_sec + 100}};
    assert_int_equal(
        utimensat(AT_FDCWD, path2(f->src, "photos/orientation/Landscape_2.jpg"), later, 0), 0);
    r = tg(src, f->dst, NULL);
    expect_summary(r.err, 1, n - 1, 0, 0);
    proc_result_free(&r);
}

/* Crop modes fill the box exactly; several sizes go to DST/<size>/. */
static void crop_and_sizes(void **state)
{
    fixture_t *f = *state;
    const char *modes[] = {"centre", "attention", "entropy"};
    for (int i = 0; i < 3; i++) {
        char out[256];
        snprintf(out, sizeof out, "%s/%s", f->root, modes[i]);
        proc_result_t r =
            tg(path2(f->src, "formats"), out, "--crop", modes[i], "-s", "100x60", "--quiet", NULL);
        assert_int_equal(r.status, 0);
        proc_result_free(&r);
        const char *names[] = {"cmyk.jpg", "scan.jpg", "grey.jpg"};
        for (int k = 0; k < 3; k++) {
            VipsImage *im = load(path2(out, names[k]));
            assert_int_equal(im->Xsize, 100);
            assert_int_equal(im->Ysize, 60);
            g_object_unref(im);
        }
    }
    proc_result_t r =
        tg(path2(f->src, "photos/orientation"), f->dst, "-s", "64,200x,x100", "--quiet", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    VipsImage *a = load(path2(f->dst, "64/Landscape_6.jpg"));
    VipsImage *b = load(path2(f->dst, "200x/Landscape_6.jpg"));
    VipsImage *c = load(path2(f->dst, "x100/Landscape_6.jpg"));
    assert_int_equal(a->Xsize, 64);
    assert_int_equal(b->Xsize, 200);
    assert_int_equal(c->Ysize, 100);
    g_object_unref(a);
    g_object_unref(b);
    g_object_unref(c);

    /* --name with %z: every size in the mirrored folder itself, named by its size. */
    char named[256];
    snprintf(named, sizeof named, "%s/named", f->root);
    r = tg(path2(f->src, "photos"), named, "-s", "64,x100", "--name", "thumb-%s-%z", "--quiet",
           NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    VipsImage *s64 = load(path2(named, "orientation/thumb-Landscape_6-64.jpg"));
    VipsImage *s100 = load(path2(named, "orientation/thumb-Landscape_6-x100.jpg"));
    assert_int_equal(s64->Xsize, 64);
    assert_int_equal(s100->Ysize, 100);
    g_object_unref(s64);
    g_object_unref(s100);
    assert_int_equal(access(path2(named, "64"), F_OK), -1);

    /* Templates that cannot name a file in its folder are usage errors. */
    const char *bad[] = {"a/%s", "%q%s", "thumb", "%s%", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = tg(f->src, named, "--name", bad[i], NULL);
        assert_int_equal(r.status, 2);
        assert_non_null(strstr(r.err, "bad value"));
        assert_non_null(strstr(r.err, "for --name"));
        proc_result_free(&r);
    }
}

/* Formats that keep alpha keep it. */
static void png_keeps_alpha(void **state)
{
    fixture_t *f = *state;
    proc_result_t r = tg(path2(f->src, "formats/alpha.png"), f->dst, "-f", "png", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    VipsImage *im = load(path2(f->dst, "alpha.png"));
    assert_int_equal(im->Bands, 4);
    double *px;
    int n;
    assert_int_equal(vips_getpoint(im, &px, &n, 10, 10, NULL), 0);
    assert_true(px[3] < 5);
    g_free(px);
    g_object_unref(im);
}

/* Hidden files, FIFOs and DST inside SRC are skipped; a FIFO does not block the run. */
static void skips(void **state)
{
    fixture_t *f = *state;
    char src[512], inner[512];
    snprintf(src, sizeof src, "%s/formats", f->src);
    if (snprintf(inner, sizeof inner, "%s/thumbs", src) >= (int)sizeof inner)
        fail_msg("path too long");
    assert_int_equal(mkfifo(path2(src, "pipe.jpg"), 0600), 0);
    char *cp[] = {"/bin/cp", path2(src, "scan.tif"), path2(src, ".hidden.tif"), NULL};
    proc_result_t r;
    assert_int_equal(proc_run(cp, &r), 0);
    proc_result_free(&r);
    r = tg(src, inner, NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "8 made, 0 up to date, 0 skipped, 0 failed"));
    proc_result_free(&r);
    assert_int_equal(access(path2(inner, ".hidden.jpg"), F_OK), -1);
    assert_int_equal(access(path2(inner, "pipe.jpg"), F_OK), -1);
    /* A second run does not descend into DST (nothing under thumbs/thumbs). */
    r = tg(src, inner, NULL);
    assert_int_equal(access(path2(inner, "thumbs"), F_OK), -1);
    proc_result_free(&r);
}

/* Copies src to dst with cp. */
static void copy(const char *from, const char *to)
{
    char *cp[] = {"/bin/cp", (char *)from, (char *)to, NULL};
    proc_result_t r;
    assert_int_equal(proc_run(cp, &r), 0);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
}

/* Sources that map to one output: a.png, a.gif, a.webp and a.txt all want a.jpg. The owner is
 * chosen by name (image extension first, then byte order: a.gif), the same with -j 1 to 4 and on
 * every run, fresh or not; the others are skipped naming it and the remedy, never called up to
 * date, and cost no exit status. The winner's pixels are what the output holds (the red first
 * frame of the GIF). With --name '%s.%e' every image gets its own thumbnail. */
static void clashes(void **state)
{
    fixture_t *f = *state;
    char src[256], dst[256], man[256];
    snprintf(src, sizeof src, "%s/clash", f->root);
    snprintf(dst, sizeof dst, "%s/clash-out", f->root);
    snprintf(man, sizeof man, "%s/clash.jsonl", f->root);
    assert_int_equal(mkdir(src, 0755), 0);
    copy(path2(f->src, "formats/alpha.png"), path2(src, "a.png"));
    copy(path2(f->src, "formats/anim.gif"), path2(src, "a.gif"));
    copy(path2(f->src, "formats/photo.webp"), path2(src, "a.webp"));
    copy(path2(f->src, "bad/readme.txt"), path2(src, "a.txt"));
    copy(path2(f->src, "formats/grey.jpg"), path2(src, "b.jpg"));
    const char *jobs[] = {"1", "2", "3", "4", "4", "1"};
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        bool fresh = i % 2 == 0; /* alternate fresh runs and reruns */
        if (fresh) {
            char *rm[] = {"/bin/rm", "-rf", dst, NULL};
            proc_result_t r;
            assert_int_equal(proc_run(rm, &r), 0);
            proc_result_free(&r);
        }
        proc_result_t r = tg(src, dst, "-j", jobs[i], "--manifest", man, NULL);
        assert_int_equal(r.status, 0);
        const char *losers[] = {"a.png", "a.webp", "a.txt"};
        for (size_t k = 0; k < 3; k++) {
            char want[256];
            snprintf(want, sizeof want,
                     "clash/%s: its thumbnail name a.jpg belongs to a.gif; skipped (--name "
                     "'%%s.%%e' gives each its own)",
                     losers[k]);
            assert_non_null(strstr(r.err, want));
        }
        assert_null(strstr(r.err, "a.gif:"));
        expect_summary(r.err, fresh ? 2 : 0, fresh ? 0 : 2, 3, 0);
        proc_result_free(&r);
        char *m = slurp(man);
        assert_non_null(m);
        assert_int_equal(count_lines(m), 5);
        assert_non_null(strstr(m, "a.png\",\"status\":\"skipped\""));
        assert_non_null(strstr(m, "\"reason\":\"name clash\",\"owner\":\"a.gif\"}"));
        assert_non_null(
            strstr(m, fresh ? "a.gif\",\"status\":\"made\"" : "a.gif\",\"status\":\"up_to_date\""));
        VipsImage *out = load(path2(dst, "a.jpg"));
        double *px;
        int n;
        assert_int_equal(vips_getpoint(out, &px, &n, 60, 40, NULL), 0);
        assert_true(px[0] > 200 && px[1] < 60 && px[2] < 60); /* the GIF's red frame */
        g_free(px);
        g_object_unref(out);
    }
    /* Each its own name: a.png.jpg, a.gif.jpg, a.webp.jpg, b.jpg.jpg; a.txt is no image. */
    char named[256];
    snprintf(named, sizeof named, "%s/clash-named", f->root);
    proc_result_t r = tg(src, named, "--name", "%s.%e", NULL);
    assert_int_equal(r.status, 0);
    expect_summary(r.err, 4, 0, 1, 0);
    assert_null(strstr(r.err, "belongs to"));
    proc_result_free(&r);
    const char *each[] = {"a.png.jpg", "a.gif.jpg", "a.webp.jpg", "b.jpg.jpg"};
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(access(path2(named, each[k]), F_OK), 0);
    assert_int_equal(count_outputs(named, NULL), 4);
}

/* Usage and setup errors: status 2, one line, nothing made. */
static void usage_and_setup_errors(void **state)
{
    fixture_t *f = *state;
    char file_as_dst[256];
    snprintf(file_as_dst, sizeof file_as_dst, "%s/formats/scan.tif/sub", f->src);
    struct {
        const char *a[6];
    } cases[] = {
        {{"--size", "0", f->src, f->dst, NULL}},
        {{"--crop", "sideways", f->src, f->dst, NULL}},
        {{"-q", "101", f->src, f->dst, NULL}},
        {{"--format", "bmp", f->src, f->dst, NULL}},
        {{"--bogus", f->src, f->dst, NULL}},
        {{f->src, NULL}},
        {{"/nonexistent/src", f->dst, NULL}},
        {{f->src, file_as_dst, NULL}},
        {{f->src, f->src, NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char **a = cases[i].a;
        proc_result_t r = tg(a[0], a[1], a[2], a[3], a[4], NULL);
        assert_int_equal(r.status, 2);
        assert_int_equal(count_lines(r.err), 1);
        assert_memory_equal(r.err, "thumbgen: ", 10);
        proc_result_free(&r);
    }
    assert_int_equal(access(f->dst, F_OK), -1);
    /* The message names the option, however the value was given. */
    const char *named[][4] = {{"-q", "101", "'101' for -q", NULL},
                              {"--max-memory", "100", "'100' for --max-memory", NULL},
                              {"--timeout=0", NULL, "'0' for --timeout", NULL}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        proc_result_t r = named[i][1] ? tg(named[i][0], named[i][1], f->src, f->dst, NULL)
                                      : tg(named[i][0], f->src, f->dst, NULL);
        assert_int_equal(r.status, 2);
        assert_non_null(strstr(r.err, named[i][2]));
        proc_result_free(&r);
    }
    proc_result_t r = tg("--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--max-pixels"));
    proc_result_free(&r);
}

/* --max-pixels refuses big images from their header. */
static void pixel_limit(void **state)
{
    fixture_t *f = *state;
    proc_result_t r = tg(path2(f->src, "formats"), f->dst, "--max-pixels", "50000", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "cmyk.jpg: image too large: 300x200 pixels, limit 50000"));
    assert_non_null(strstr(r.err, "2 made")); /* the 120x80 GIF and WebP fit */
    proc_result_free(&r);
}

/* A format libvips reads only by name from two files (Analyze 7.5: x.hdr's 348-byte header, x.img's
 * pixels) is refused with the reason, since a decoder holds only the one descriptor; libvips
 * itself reads the pair made here, so the file is a real one. The .img, which would take the same
 * thumbnail name, is skipped as the clash rule says. */
static void analyze_refused_with_reason(void **state)
{
    fixture_t *f = *state;
    char dir[256], cmd[1400];
    snprintf(dir, sizeof dir, "%s/analyze", f->root);
    FMT(cmd,
        "mkdir '%s' && python3 '%s/make-analyze.py' '%s' && vips copy '%s/scan.hdr' '%s/c.v' && "
        "rm '%s/c.v'",
        dir, TESTDATA, dir, dir, dir, dir);
    sh(cmd);
    proc_result_t r = tg(dir, path2(f->root, "analyze-out"), NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "analyze/scan.hdr: an Analyze image: its pixels are in the .img "
                                  "file beside it"));
    assert_non_null(strstr(r.err, "scan.img: its thumbnail name scan.jpg belongs to scan.hdr"));
    expect_summary(r.err, 0, 0, 1, 1);
    proc_result_free(&r);
}

int main(void)
{
    if (VIPS_INIT("test_cli_thumbs"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(whole_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(orientation, setup, teardown),
        cmocka_unit_test_setup_teardown(orientation_real_photos, setup, teardown),
        cmocka_unit_test_setup_teardown(incremental_and_force, setup, teardown),
        cmocka_unit_test_setup_teardown(crop_and_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(png_keeps_alpha, setup, teardown),
        cmocka_unit_test_setup_teardown(skips, setup, teardown),
        cmocka_unit_test_setup_teardown(clashes, setup, teardown),
        cmocka_unit_test_setup_teardown(analyze_refused_with_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(usage_and_setup_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(pixel_limit, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    vips_shutdown();
    return rc;
}
