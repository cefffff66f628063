/* --html under --watch: the pages follow the library while it is watched (docs/DESIGN.md, "The
 * gallery"). Each step changes SRC and then reads the manifest, through a FIFO, up to the
 * "pages" line after which the page shows the change: no sleeping, no polling. At the end the
 * pages are opened in Debian's Chromium (cmd/tests/gallery/check.js): every image loads and
 * every link resolves after photos came, failed, went and a folder was renamed. Into a bucket
 * (the real S3 test server), an emptied folder's page is deleted while the pruning goes on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
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
#define PAGES "\"status\":\"pages\""

static bool page_has(const char *page, const char *text)
{
    char *got = slurp(page);
    return got != NULL && strstr(got, text) != NULL;
}

/* Reads the manifest up to the pages line after which page holds text (present) or does not;
 * returns how many pages lines that took. Fails if thumbgen ends first. */
static int until_page(watcher_t *w, const char *page, const char *text, bool present)
{
    int lines = 0;
    while (page_has(page, text) != present) {
        expect(w, PAGES, NULL);
        lines++;
    }
    return lines;
}

/* The first pass writes every page; a new photo, a failure, its mending, a deleted photo and a
 * renamed folder each show on the pages; Ctrl-C ends the run with status 0. */
static void pages_follow_the_watch(void **state)
{
    (void)state;
    tg_dirs_t d;
    dirs_make(&d, "gallery-watch");
    char album[256], album2[256], top[256], page[256], page2[256], bad[256];
    FMT(album, "%s/album", d.src);
    FMT(album2, "%s/album2", d.src);
    FMT(top, "%s/index.html", d.dst);
    FMT(page, "%s/album/index.html", d.dst);
    FMT(page2, "%s/album2/index.html", d.dst);
    FMT(bad, "%s/bad.jpg", album);
    assert_int_equal(mkdir(album, 0755), 0);
    write_png(at(d.src, "a.png"), 40, 20);
    write_png(at(album, "b.png"), 30, 30);
    char *argv[] = {BIN, d.src, d.dst, "--watch", "--html", "--prune", "-j", "2", NULL};
    watcher_t w;
    watcher_start(&w, d.root, argv);
    expect(&w, PAGES, "\"written\":2", NULL); /* the first pass's: the top page and album's */
    assert_true(page_has(top, "<img src=\"a.jpg\" width=40 height=20"));
    assert_true(page_has(top, ">album</a> <small>1</small>"));
    assert_true(page_has(page, "<img src=\"b.jpg\" width=30 height=30"));

    write_png(at(album, "c.png"), 20, 30); /* a new photo: its page, and the top page's count */
    until_page(&w, page, "<img src=\"c.jpg\" width=20 height=30", true);
    until_page(&w, top, ">album</a> <small>2</small>", true);

    write_broken(bad); /* a failure is listed with its reason; mended, it is made instead */
    until_page(&w, page, "<b>bad.jpg</b>: not a recognised image format", true);
    write_png(bad, 10, 10);
    until_page(&w, page, "<img src=\"bad.jpg\" width=10 height=10", true);
    assert_false(page_has(page, "<b>bad.jpg</b>"));

    assert_int_equal(unlink(at(d.src, "a.png")), 0); /* a deleted photo leaves its page */
    until_page(&w, top, "a.jpg", false);

    assert_int_equal(rename(album, album2), 0); /* a renamed folder: its page moves with it */
    until_page(&w, page2, "<img src=\"c.jpg\"", true);
    until_page(&w, top, "href=\"album/", false);
    assert_true(page_has(page2, "<img src=\"b.jpg\""));
    assert_true(page_has(top, ">album2</a> <small>3</small>"));
    struct stat st;
    assert_int_equal(stat(page, &st), -1); /* the old folder went, with its page and state */

    free(stop(&w));
    browser_check(GALLERY_DIR, d.dst, NULL, NULL);
    dirs_remove(&d);
}

/* Without --prune: a deleted failing file leaves its page (it can be neither made nor failed any
 * more), and so do the failures of a folder deleted whole (a rescan finds them gone), while a
 * deleted photo's thumbnail stays, on the page too, as in a run without --watch. A run stopped
 * once its pages are written writes none again as it ends (what is left to write then is what
 * changed since the last write: here nothing). */
static void without_prune(void **state)
{
    (void)state;
    tg_dirs_t d;
    dirs_make(&d, "gallery-watch-noprune");
    char top[256], odd[256], oddpage[256];
    FMT(top, "%s/index.html", d.dst);
    FMT(odd, "%s/odd", d.src);
    FMT(oddpage, "%s/odd/index.html", d.dst);
    assert_int_equal(mkdir(odd, 0755), 0);
    write_png(at(d.src, "a.png"), 40, 20);
    write_broken(at(d.src, "bad.jpg"));
    write_broken(at(odd, "worse.jpg"));
    char *argv[] = {BIN, d.src, d.dst, "--watch", "--html", "-j", "2", NULL};
    watcher_t w;
    watcher_start(&w, d.root, argv);
    expect(&w, PAGES, "\"written\":2", NULL);
    assert_true(page_has(top, "<b>bad.jpg</b>: not a recognised image format"));
    assert_true(page_has(oddpage, "<b>worse.jpg</b>: not a recognised image format"));
    assert_int_equal(unlink(at(d.src, "bad.jpg")), 0);
    until_page(&w, top, "<b>bad.jpg</b>", false);
    shf("rm -r '%s'", odd);
    until_page(&w, top, "href=\"odd/", false);
    struct stat st;
    assert_int_equal(stat(oddpage, &st), -1);
    assert_int_equal(unlink(at(d.src, "a.png")), 0);
    write_png(at(d.src, "b.png"), 30, 30); /* the next write comes after both */
    until_page(&w, top, "<img src=\"b.jpg\"", true);
    assert_true(page_has(top, "<img src=\"a.jpg\" width=40 height=20"));
    int before = seen_count(&w, PAGES, "\"written\"");
    char *err = stop(&w);
    assert_non_null(strstr(err, "a folder went away: rescanning to forget what came from it"));
    free(err);
    assert_int_equal(seen_count(&w, PAGES, "\"written\""), before); /* none at the end */
    dirs_remove(&d);
}

/* Into a bucket: a folder whose one photo is deleted loses its page and state (DeleteObjects from
 * the pages' thread, beside the lister's pruning), and a new photo reaches the top page (PUT). */
static void into_a_bucket(void **state)
{
    (void)state;
    s3server_t s;
    if (s3server_setup(&s) != 0)
        fail_msg("the S3 test server is not installed");
    tg_dirs_t d;
    dirs_make(&d, "gallery-watch-s3");
    char album[256], top[256];
    FMT(album, "%s/album", d.src);
    FMT(top, "%s/top.html", d.root);
    assert_int_equal(mkdir(album, 0755), 0);
    write_png(at(d.src, "a.png"), 40, 20);
    write_png(at(album, "b.png"), 30, 30);
    char *argv[] = {BIN, d.src, "s3://thumbs/w", "--watch", "--html", "--prune", "-j", "2", NULL};
    watcher_t w;
    watcher_start(&w, d.root, argv);
    expect(&w, PAGES, "\"written\":2", NULL);
    s3server_aws(&s, "s3api head-object --bucket thumbs --key w/album/index.html");

    assert_int_equal(unlink(at(album, "b.png")), 0);
    expect(&w, PAGES, "\"removed\":1", NULL);
    write_png(at(d.src, "c.png"), 20, 30);
    expect(&w, PAGES, "\"written\":1", NULL);
    char *err = stop(&w);
    if (strstr(err, "cannot") != NULL)
        fail_msg("%s", err);
    free(err);
    shf("! aws --endpoint-url '%s' s3api head-object --bucket thumbs --key w/album/index.html "
        "2>/dev/null",
        s.endpoint);
    shf("! aws --endpoint-url '%s' s3api head-object --bucket thumbs --key "
        "w/album/.thumbgen-gallery 2>/dev/null",
        s.endpoint);
    shf("aws --endpoint-url '%s' s3 cp --quiet s3://thumbs/w/index.html '%s'", s.endpoint, top);
    assert_true(page_has(top, "<img src=\"c.jpg\" width=20 height=30"));
    assert_false(page_has(top, "album/"));
    dirs_remove(&d);
    s3server_teardown(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_follow_the_watch),
        cmocka_unit_test(without_prune),
        cmocka_unit_test(into_a_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, watcher_teardown);
}
