/* End-to-end tests of "up to date means equal" in an S3 DST (docs/DESIGN.md, "Identity and
 * order"), against the real S3 test server (s3server.h), read back with awscli: a listing carries
 * no metadata, so each verdict's identity record, whose name holds the identity hashed, is what a
 * rerun reads. A name whose owner changed and a source replaced by an older file are remade, as in
 * a folder (test_cli_ident), with no request beyond the listing when nothing changed; a source has
 * one identity record at a time, and --prune takes it with the source. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"
#include "s3server.h"
#include "watcher.h"

#define BIN THUMBGEN_BIN

static s3server_t srv;

static int group_setup(void **state)
{
    (void)state;
    return s3server_setup(&srv);
}

static int group_teardown(void **state)
{
    (void)state;
    return s3server_teardown(&srv);
}

/* A black w x h image at path, in the format its extension names, dated secs (0: now). */
static void save(const char *path, int w, int h, time_t secs)
{
    VipsImage *im;
    assert_int_equal(vips_black(&im, w, h, "bands", 3, NULL), 0);
    assert_int_equal(vips_image_write_to_file(im, path, NULL), 0);
    g_object_unref(im);
    struct timespec ts[2] = {{.tv_sec = secs}, {.tv_sec = secs}};
    if (secs != 0)
        assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Fails unless s3://thumbs/key, read back with awscli, is a w x h image. */
static void expect_size(const char *key, int w, int h)
{
    static int got; /* a new name each time: libvips caches what it loaded by name */
    char path[256], args[512];
    FMT(path, "%s/got%d.jpg", srv.root, got++);
    FMT(args, "s3 cp --quiet 's3://thumbs/%s' '%s'", key, path);
    s3server_aws(&srv, args);
    VipsImage *im = load(path);
    int gw = vips_image_get_width(im), gh = vips_image_get_height(im);
    g_object_unref(im);
    if (gw != w || gh != h)
        fail_msg("%s is %dx%d, not %dx%d", key, gw, gh, w, h);
}

/* Runs thumbgen SRC s3://thumbs/prefix [opt], and expects its counts. */
static void run(const char *src, const char *prefix, const char *opt, int made, int up, int skipped)
{
    char dst[128];
    FMT(dst, "s3://thumbs/%s", prefix);
    proc_result_t r = tg_run(BIN, src, dst, opt, NULL);
    expect_run(&r, 0, made, up, skipped, 0);
}

/* Case 10 of issue 28 in a bucket: a.gif owns a.jpg over a.png, both dated alike (a camera's
 * RAW+JPEG pair: no comparison of times tells them apart); a.gif is deleted; the rerun with
 * --prune has a.png, the name's new owner, remake a.jpg. */
static void clash_owner_gone(void **state)
{
    (void)state;
    char src[256];
    FMT(src, "%s/own", srv.root);
    shf("mkdir -p '%s'", src);
    save(at(src, "a.gif"), 80, 40, 1600000000);
    save(at(src, "a.png"), 50, 50, 1600000000);
    run(src, "own", "--prune", 1, 0, 1); /* a.png skipped: a.gif owns the name */
    expect_size("own/a.jpg", 80, 40);
    assert_string_equal(s3server_idents(&srv, "own"), "a.gif");

    assert_int_equal(unlink(at(src, "a.gif")), 0);
    run(src, "own", "--prune", 1, 0, 0);
    expect_size("own/a.jpg", 50, 50);
    assert_string_equal(s3server_idents(&srv, "own"), "a.png"); /* a.gif's went, unseen */

    int puts = s3server_requests(&srv, "PUT ");
    run(src, "own", "--prune", 0, 1, 0);
    assert_int_equal(s3server_requests(&srv, "PUT "), puts);
}

/* A source whose content is replaced by an older file's (cp -p, tar x: its mtime goes back) is
 * remade in a bucket too, and its older identity record goes. */
static void older_replacement(void **state)
{
    (void)state;
    char src[256];
    FMT(src, "%s/old", srv.root);
    shf("mkdir -p '%s'", src);
    save(at(src, "p.png"), 60, 30, 0);
    run(src, "old", NULL, 1, 0, 0);
    expect_size("old/p.jpg", 60, 30);

    save(at(srv.root, "older.png"), 30, 60, 1500000000);
    shf("cp -p '%s' '%s'", at(srv.root, "older.png"), at(src, "p.png"));
    run(src, "old", NULL, 1, 0, 0);
    expect_size("old/p.jpg", 30, 60);
    assert_string_equal(s3server_idents(&srv, "old"), "p.png");
    run(src, "old", NULL, 0, 1, 0);
}

/* An identity record names its verdict too: a photo made, then replaced by broken bytes, fails;
 * its old thumbnail stays, beside the identity record of the failure, and the rerun still reports
 * it failed (status 1), never up to date. */
static void made_then_broken(void **state)
{
    (void)state;
    char src[256];
    FMT(src, "%s/brk", srv.root);
    shf("mkdir -p '%s'", src);
    save(at(src, "p.png"), 60, 30, 0);
    run(src, "brk", NULL, 1, 0, 0);
    write_broken(at(src, "p.png"));
    for (int i = 0; i < 2; i++) {
        proc_result_t r = tg_run(BIN, src, "s3://thumbs/brk", NULL);
        expect_run(&r, 1, 0, 0, 0, 1);
    }
    assert_string_equal(s3server_idents(&srv, "brk"), "p.png");
}

/* Under --watch a folder's listing is kept while events come: a photo saved three times is made
 * three times and keeps one identity record (each replaces the one before, though no listing
 * showed it), and a photo deleted takes its record with it. */
static void watched_saves(void **state)
{
    (void)state;
    char src[256];
    FMT(src, "%s/w", srv.root);
    shf("mkdir -p '%s'", src);
    write_png(at(src, "p.png"), 60, 30);
    write_png(at(src, "q.png"), 60, 30);
    char *argv[] = {BIN, src, "s3://thumbs/w", "--watch", "--prune", NULL};
    watcher_t w;
    watcher_start(&w, srv.root, argv);
    expect(&w, "\"status\":\"watching\"", NULL);
    for (int i = 0; i < 3; i++) {
        write_png(at(src, "p.png"), 40 + i, 30);
        char width[32];
        FMT(width, "\"width\":%d", 40 + i);
        expect(&w, "p.png\"", "\"made\"", width, NULL);
    }
    assert_string_equal(s3server_idents(&srv, "w"), "p.png\tq.png");
    assert_int_equal(unlink(at(src, "q.png")), 0);
    expect(&w, "\"removed\"", "q.jpg", NULL);
    free(stop(&w));
    assert_string_equal(s3server_idents(&srv, "w"), "p.png");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clash_owner_gone),
        cmocka_unit_test(older_replacement),
        cmocka_unit_test(made_then_broken),
        cmocka_unit_test(watched_saves),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
