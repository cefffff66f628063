/* End-to-end tests of "up to date means equal" in an S3 DST (docs/DESIGN.md, "Identity and
 * order"), against the real S3 test server (s3server.h), read back with awscli: a listing carries
 * no metadata, so each verdict's identity record, whose name holds the identity hashed, is what a
 * rerun reads. A name whose owner changed and a source replaced by an older file are remade, as in
 * a folder (test_cli_ident), with no request beyond the listing when nothing changed; a source has
 * one identity record at a time, and --prune takes it with the source. */
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
#include "s3server.h"
#include "watcher.h"

#define BIN THUMBGEN_BIN

/* Fails unless s3://thumbs/key, read back with awscli, is a w x h image. */
static void expect_key_size(const char *key, int w, int h)
{
    static int got; /* a new name each time: libvips caches what it loaded by name */
    char path[256], args[512];
    FMT(path, "%s/got%d.jpg", srv.root, got++);
    FMT(args, "s3 cp --quiet 's3://thumbs/%s' '%s'", key, path);
    s3server_aws(&srv, args);
    expect_size(path, w, h);
}

/* Runs thumbgen SRC s3://thumbs/prefix [opt], and expects its counts. */
static void run(const char *src, const char *prefix, const char *opt, int made, int up, int skipped)
{
    char dst[128];
    FMT(dst, "s3://thumbs/%s", prefix);
    expect_run(tg_run(BIN, src, dst, opt, NULL), 0, made, up, skipped, 0);
}

/* What the identity record beside s3://thumbs/prefix/out says its source is (its body's src=). */
static const char *ident_src(const char *prefix, const char *out)
{
    return shf_line(
        "key=$(aws --endpoint-url '%s' s3api list-objects-v2 --bucket thumbs --prefix '%s/' "
        "--query \"Contents[?contains(Key, '/.thumbgen-id.')].Key\" --output text | tr '\\t' "
        "'\\n' | grep '[.]%s$') && aws --endpoint-url '%s' s3 cp \"s3://thumbs/$key\" - | sed "
        "'s/.* src=//'",
        srv.endpoint, prefix, out, srv.endpoint);
}

/* A clash at a.jpg between a.gif (80x40) and a.png (50x50), dated alike (a camera's RAW+JPEG
 * pair: no comparison of times tells them apart), in SRC and s3://thumbs/prefix. */
static void clash(const char *prefix, char *src, size_t n, bool gif, bool png)
{
    if (snprintf(src, n, "%s/%s", srv.root, prefix) >= (int)n)
        fail_msg("path too long");
    shf("mkdir -p '%s'", src);
    if (gif)
        write_black(at(src, "a.gif"), 80, 40, 1600000000);
    if (png)
        write_black(at(src, "a.png"), 50, 50, 1600000000);
}

/* Case 10 of issue 28 in a bucket: a.gif owns a.jpg over a.png; a.gif is deleted; the rerun with
 * --prune has a.png, the name's new owner, remake a.jpg. */
static void clash_owner_gone(void **state)
{
    (void)state;
    char src[256];
    clash("own", src, sizeof src, true, true);
    run(src, "own", "--prune", 1, 0, 1); /* a.png skipped: a.gif owns the name */
    expect_key_size("own/a.jpg", 80, 40);
    assert_string_equal(ident_src("own", "a.jpg"), "a.gif");

    assert_int_equal(unlink(at(src, "a.gif")), 0);
    run(src, "own", "--prune", 1, 0, 0);
    expect_key_size("own/a.jpg", 50, 50);
    assert_string_equal(s3server_idents(&srv, "own"), "a.jpg"); /* a.gif's replaced */
    assert_string_equal(ident_src("own", "a.jpg"), "a.png");

    int puts = s3server_requests(&srv, "PUT ");
    run(src, "own", "--prune", 0, 1, 0);
    assert_int_equal(s3server_requests(&srv, "PUT "), puts);
}

/* The owner comes back, without --prune: a.png made a.jpg; a.gif arrives and takes the name; a.gif
 * goes: a.png, whose own verdict never changed, must make a.jpg again, since a.gif's stands there
 * now (a record stands beside an output, not a source). */
static void clash_owner_returns(void **state)
{
    (void)state;
    char src[256];
    clash("back", src, sizeof src, false, true);
    run(src, "back", NULL, 1, 0, 0);
    write_black(at(src, "a.gif"), 80, 40, 1600000000);
    run(src, "back", NULL, 1, 0, 1);
    expect_key_size("back/a.jpg", 80, 40);
    assert_int_equal(unlink(at(src, "a.gif")), 0);
    run(src, "back", NULL, 1, 0, 0);
    expect_key_size("back/a.jpg", 50, 50);
}

/* A source whose content is replaced by an older file's (cp -p, tar x: its mtime goes back) is
 * remade in a bucket too, and its older identity record goes. */
static void older_replacement(void **state)
{
    (void)state;
    char src[256];
    FMT(src, "%s/old", srv.root);
    shf("mkdir -p '%s'", src);
    write_black(at(src, "p.png"), 60, 30, 0);
    run(src, "old", NULL, 1, 0, 0);
    expect_key_size("old/p.jpg", 60, 30);

    write_black(at(srv.root, "older.png"), 30, 60, 1500000000);
    shf("cp -p '%s' '%s'", at(srv.root, "older.png"), at(src, "p.png"));
    run(src, "old", NULL, 1, 0, 0);
    expect_key_size("old/p.jpg", 30, 60);
    assert_string_equal(s3server_idents(&srv, "old"), "p.jpg");
    run(src, "old", NULL, 0, 1, 0);
}

/* A record that stayed (a removal that failed, a crash, another client's copy) beside the current
 * one leaves the verdict unclear: A made, B made, A's record put back, A restored (cp -p): made
 * again, never "up to date" over B's pixels; and then only A's record is left. */
static void two_records_remake(void **state)
{
    (void)state;
    char src[256], a_rec[256];
    FMT(src, "%s/two", srv.root);
    FMT(a_rec, "%s/a-record", srv.root);
    shf("mkdir -p '%s'", src);
    write_black(at(srv.root, "a.png"), 60, 30, 1500000000);
    shf("cp -p '%s' '%s/p.png'", at(srv.root, "a.png"), src);
    run(src, "two", NULL, 1, 0, 0);
    shf("key=$(aws --endpoint-url '%s' s3api list-objects-v2 --bucket thumbs --prefix two/ --query "
        "\"Contents[?contains(Key, '/.thumbgen-id.')].Key\" --output text) && aws --endpoint-url "
        "'%s' s3 cp --quiet \"s3://thumbs/$key\" '%s' && echo \"$key\" > '%s.key'",
        srv.endpoint, srv.endpoint, a_rec, a_rec);
    write_black(at(src, "p.png"), 30, 60, 0);
    run(src, "two", NULL, 1, 0, 0);
    shf("aws --endpoint-url '%s' s3 cp --quiet '%s' \"s3://thumbs/$(cat '%s.key')\"", srv.endpoint,
        a_rec, a_rec);
    assert_string_equal(s3server_idents(&srv, "two"), "p.jpg\tp.jpg");
    shf("cp -p '%s' '%s/p.png'", at(srv.root, "a.png"), src);
    run(src, "two", NULL, 1, 0, 0);
    expect_key_size("two/p.jpg", 60, 30);
    assert_string_equal(s3server_idents(&srv, "two"), "p.jpg");
}

/* A stray identity record (sorting after the true one) beside a photo in the first of six folders,
 * the writer's listing of it long gone from the few kept: the rerun makes it again and removes
 * both records first, so one is left and the next rerun is up to date (not made again forever). */
static void stray_record_goes(void **state)
{
    (void)state;
    char src[256];
    FMT(src, "%s/stray", srv.root);
    shf("mkdir -p '%s' && cd '%s' && for d in a b c d e f; do mkdir $d; done", src, src);
    const char *dirs[] = {"a", "b", "c", "d", "e", "f"};
    for (int i = 0; i < 6; i++) {
        char path[300];
        FMT(path, "%s/%s/p.png", src, dirs[i]);
        write_black(path, 60, 30, 0);
    }
    run(src, "stray", "-j1", 6, 0, 0);
    shf("key=$(aws --endpoint-url '%s' s3api list-objects-v2 --bucket thumbs --prefix stray/a/ "
        "--query \"Contents[?contains(Key, '/.thumbgen-id.')].Key\" --output text) && aws "
        "--endpoint-url '%s' s3 cp --quiet \"s3://thumbs/$key\" "
        "s3://thumbs/stray/a/.thumbgen-id.ffffffffffffffff.p.jpg",
        srv.endpoint, srv.endpoint);
    assert_string_equal(s3server_idents(&srv, "stray/a"), "p.jpg\tp.jpg");
    run(src, "stray", "-j1", 1, 5, 0);
    assert_string_equal(s3server_idents(&srv, "stray/a"), "p.jpg");
    run(src, "stray", "-j1", 0, 6, 0);
}

/* Several sizes: the records beside every output count. -s 128,256 vouches beside 128/; the photo
 * changes and -s 256,128 vouches beside 256/ (and removes the one beside 128/ first); the photo put
 * back (cp -p) and -s 128,256 again: made again, never up to date over 256/'s other pixels. */
static void sizes_reordered(void **state)
{
    (void)state;
    char src[256];
    FMT(src, "%s/sizes", srv.root);
    shf("mkdir -p '%s'", src);
    write_black(at(srv.root, "x.png"), 600, 300, 1500000000);
    shf("cp -p '%s' '%s/a.png'", at(srv.root, "x.png"), src);
    run(src, "sizes", "-s128,256", 1, 0, 0);
    write_black(at(src, "a.png"), 300, 600, 0);
    run(src, "sizes", "-s256,128", 1, 0, 0);
    expect_key_size("sizes/256/a.jpg", 128, 256);
    assert_string_equal(s3server_idents(&srv, "sizes/128"), "");
    shf("cp -p '%s' '%s/a.png'", at(srv.root, "x.png"), src);
    run(src, "sizes", "-s128,256", 1, 0, 0);
    expect_key_size("sizes/256/a.jpg", 256, 128);
    assert_string_equal(s3server_idents(&srv, "sizes/256"), "");
    assert_string_equal(s3server_idents(&srv, "sizes/128"), "a.jpg");
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
    write_black(at(src, "p.png"), 60, 30, 0);
    run(src, "brk", NULL, 1, 0, 0);
    write_broken(at(src, "p.png"));
    for (int i = 0; i < 2; i++) {
        expect_run(tg_run(BIN, src, "s3://thumbs/brk", NULL), 1, 0, 0, 0, 1);
    }
    assert_string_equal(s3server_idents(&srv, "brk"), "p.jpg");
}

/* Under --watch a folder's listing is kept while events come, and what the writers did since
 * counts: a photo saved three times is made three times and keeps one identity record; put back
 * as it was when the watch began (cp -p, mv: an identity whose record the first listing showed), it
 * is made again, not called up to date over the last save's pixels; a photo deleted takes its
 * record with it. */
static void watched_saves(void **state)
{
    (void)state;
    char src[256];
    FMT(src, "%s/w", srv.root);
    shf("mkdir -p '%s'", src);
    write_png(at(src, "p.png"), 60, 30);
    shf("cp -p '%s' '%s'", at(src, "p.png"), at(srv.root, "first.png"));
    write_png(at(src, "q.png"), 60, 30);
    run(src, "w", NULL, 2, 0, 0); /* so that the watch's first listing shows their records */
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
    assert_string_equal(s3server_idents(&srv, "w"), "p.jpg\tq.jpg");
    /* moved in whole: one event, one verdict, whatever it says */
    shf("cp -p '%s' '%s/back.png' && mv '%s/back.png' '%s'", at(srv.root, "first.png"), srv.root,
        srv.root, at(src, "p.png"));
    const char *line = expect(&w, "p.png\"", NULL);
    if (strstr(line, "\"made\"") == NULL || strstr(line, "\"width\":60") == NULL)
        fail_msg("p.png put back: %s", line);
    assert_int_equal(unlink(at(src, "q.png")), 0);
    expect(&w, "\"removed\"", "q.jpg", NULL);
    free(stop(&w));
    assert_string_equal(s3server_idents(&srv, "w"), "p.jpg");
    expect_key_size("w/p.jpg", 60, 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clash_owner_gone),   cmocka_unit_test(clash_owner_returns),
        cmocka_unit_test(two_records_remake), cmocka_unit_test(older_replacement),
        cmocka_unit_test(made_then_broken),   cmocka_unit_test(watched_saves),
        cmocka_unit_test(stray_record_goes),  cmocka_unit_test(sizes_reordered),
    };
    return cmocka_run_group_tests(tests, s3server_group_setup, s3server_group_teardown);
}
