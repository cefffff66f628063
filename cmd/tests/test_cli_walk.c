/* End-to-end tests of which sources a `thumbgen SRC DST` run takes and what it does with them
 * over reruns: incremental runs and --force, entries the walk skips, sources whose thumbnail names
 * clash, and a two-file format refused with its reason; on a copy of testdata/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
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
    expect_run(tg_run(BIN, src, f->dst, NULL), 0, n, 0, 0, 0);
    struct stat before, after;
    assert_int_equal(stat(at(f->dst, "orientation/Landscape_2.jpg"), &before), 0);
    expect_run(tg_run(BIN, src, f->dst, "--manifest", f->manifest, NULL), 0, 0, n, 0, 0);
    assert_int_equal(stat(at(f->dst, "orientation/Landscape_2.jpg"), &after), 0);
    assert_true(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                before.st_mtim.tv_nsec == after.st_mtim.tv_nsec);
    char *m = slurp(f->manifest);
    assert_null(strstr(m, "\"made\""));
    assert_non_null(strstr(m, "\"up_to_date\""));

    proc_result_t r = tg_run(BIN, src, f->dst, "--force", NULL);
    expect_summary(r.err, n, 0, 0, 0);
    proc_result_free(&r);

    /* A source newer than its thumbnail is remade. */
    set_mtime(at(f->src, "photos/orientation/Landscape_2.jpg"), after.st_mtim.tv_sec + 100);
    r = tg_run(BIN, src, f->dst, NULL);
    expect_summary(r.err, 1, n - 1, 0, 0);
    proc_result_free(&r);
}

/* Hidden files, FIFOs and DST inside SRC are skipped; a FIFO does not block the run. */
static void skips(void **state)
{
    fixture_t *f = *state;
    char src[512], inner[512];
    snprintf(src, sizeof src, "%s/formats", f->src);
    FMT(inner, "%s/thumbs", src);
    assert_int_equal(mkfifo(at(src, "pipe.jpg"), 0600), 0);
    run_ok((char *[]){"/bin/cp", at(src, "scan.tif"), at(src, ".hidden.tif"), NULL});
    expect_says(tg_run(BIN, src, inner, NULL), 0, "8 made, 0 up to date, 0 skipped, 0 failed");
    assert_int_equal(access(at(inner, ".hidden.jpg"), F_OK), -1);
    assert_int_equal(access(at(inner, "pipe.jpg"), F_OK), -1);
    /* A second run does not descend into DST (nothing under thumbs/thumbs). */
    proc_result_t r = tg_run(BIN, src, inner, NULL);
    assert_int_equal(access(at(inner, "thumbs"), F_OK), -1);
    proc_result_free(&r);
}

/* Copies src to dst with cp. */
static void copy(const char *from, const char *to)
{
    run_ok((char *[]){"/bin/cp", (char *)from, (char *)to, NULL});
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
    copy(at(f->src, "formats/alpha.png"), at(src, "a.png"));
    copy(at(f->src, "formats/anim.gif"), at(src, "a.gif"));
    copy(at(f->src, "formats/photo.webp"), at(src, "a.webp"));
    copy(at(f->src, "bad/readme.txt"), at(src, "a.txt"));
    copy(at(f->src, "formats/grey.jpg"), at(src, "b.jpg"));
    const char *jobs[] = {"1", "2", "3", "4", "4", "1"};
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        bool fresh = i % 2 == 0; /* alternate fresh runs and reruns */
        if (fresh)
            run_ok((char *[]){"/bin/rm", "-rf", dst, NULL});
        proc_result_t r = tg_run(BIN, src, dst, "-j", jobs[i], "--manifest", man, NULL);
        assert_int_equal(r.status, 0);
        const char *losers[] = {"a.png", "a.webp"};
        for (size_t k = 0; k < 2; k++) {
            char want[256];
            snprintf(want, sizeof want,
                     "clash/%s: its thumbnail name a.jpg belongs to a.gif; skipped (--name "
                     "'%%s.%%e' gives each its own)",
                     losers[k]);
            assert_non_null(strstr(r.err, want));
        }
        assert_null(strstr(r.err, "a.gif:"));
        assert_null(strstr(r.err, "a.txt")); /* never an image: it claims no name */
        expect_summary(r.err, fresh ? 2 : 0, fresh ? 0 : 2, 3, 0);
        proc_result_free(&r);
        char *m = slurp(man);
        assert_non_null(m);
        assert_int_equal(count_lines(m), 5);
        assert_non_null(strstr(m, "a.png\",\"status\":\"skipped\""));
        assert_non_null(strstr(m, "\"reason\":\"name clash\",\"owner\":\"a.gif\"}"));
        assert_non_null(strstr(m, "a.txt\",\"status\":\"skipped\",\"dst\":null,\"width\":null,"
                                  "\"height\":null,\"bytes\":null,\"error\":\"not an image\"}"));
        assert_non_null(
            strstr(m, fresh ? "a.gif\",\"status\":\"made\"" : "a.gif\",\"status\":\"up_to_date\""));
        VipsImage *out = load(at(dst, "a.jpg"));
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
    proc_result_t r = tg_run(BIN, src, named, "--name", "%s.%e", NULL);
    assert_null(strstr(r.err, "belongs to"));
    expect_run(r, 0, 4, 0, 1, 0);
    const char *each[] = {"a.png.jpg", "a.gif.jpg", "a.webp.jpg", "b.jpg.jpg"};
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(access(at(named, each[k]), F_OK), 0);
    assert_int_equal(count_outputs(named, NULL), 4);
}

/* A format libvips reads only by name from two files (Analyze 7.5: x.hdr's 348-byte header, x.img's
 * pixels) is refused with the reason, since a decoder holds only the one descriptor; libvips
 * itself reads the pair made here, so the file is a real one. The .img, which would take the same
 * thumbnail name, is no image format's extension: skipped as not an image, claiming nothing. */
static void analyze_refused_with_reason(void **state)
{
    fixture_t *f = *state;
    char dir[256];
    snprintf(dir, sizeof dir, "%s/analyze", f->root);
    shf("mkdir '%s' && python3 '%s/make-analyze.py' '%s' && vips copy '%s/scan.hdr' '%s/c.v' && "
        "rm '%s/c.v'",
        dir, TESTDATA, dir, dir, dir, dir);
    proc_result_t r = tg_run(BIN, dir, at(f->root, "analyze-out"), NULL);
    assert_non_null(strstr(r.err, "analyze/scan.hdr: an Analyze image: its pixels are in the .img "
                                  "file beside it"));
    assert_null(strstr(r.err, "scan.img"));
    expect_run(r, 1, 0, 0, 1, 1);
}

int main(void)
{
    if (VIPS_INIT("test_cli_walk"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(incremental_and_force, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(skips, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(clashes, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(analyze_refused_with_reason, setup_testdata, teardown_dirs),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
