/* End-to-end tests of --watch: thumbgen runs in the background with its manifest on a FIFO, and
 * each change made here is followed by reading the manifest until the line it must cause: no
 * sleeping, no polling. Events are delivered in order, so a line that must not appear is shown
 * absent by a later line that must. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
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
#include "watcher.h"

#define BIN THUMBGEN_BIN

static char *src_arg; /* SRC as given to thumbgen, when not test_dirs.src */

/* Starts thumbgen SRC DST --watch -j 2 (plus extra, NULL-terminated; "--freedesktop" takes DST's
 * place) with its manifest on a FIFO. */
static void start(watcher_t *w, const char *bin, const char *extra, ...)
{
    char *argv[32] = {
        (char *)bin, src_arg ? src_arg : test_dirs.src, test_dirs.dst, "--watch", "-j", "2"};
    int n = 6;
    va_list ap;
    va_start(ap, extra);
    for (const char *a = extra; a != NULL && n < 27; a = va_arg(ap, const char *)) {
        if (strcmp(a, "--freedesktop") == 0) /* no DST: the cache */
            argv[2] = (char *)a;
        else
            argv[n++] = (char *)a;
    }
    va_end(ap);
    argv[n] = NULL;
    watcher_start(w, test_dirs.root, argv);
}

static void follows_changes(void **state)
{
    (void)state;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    write_png(at(src, "first.png"), 40, 20);
    write_png(at(src, "gone.png"), 40, 20);
    write_png(at(src, "away.png"), 40, 20);
    watcher_t w;
    start(&w, BIN, "--prune", NULL);
    /* The first pass's line follows its results, so a script waiting for it has them all. */
    expect(&w, "\"status\":\"watching\"", NULL);
    assert_int_equal(seen_count(&w, "\"made\"", ""), 3);

    /* Created: written, then closed. */
    write_png(at(src, "created.png"), 64, 32);
    expect(&w, "created.png\"", "\"made\"", "\"width\":64", NULL);
    /* Moved in from outside SRC. */
    write_png(at(test_dirs.root, "outside.png"), 30, 60);
    assert_int_equal(rename(at(test_dirs.root, "outside.png"), at(src, "moved-in.png")), 0);
    expect(&w, "moved-in.png\"", "\"made\"", "\"height\":60", NULL);
    /* Deleted, and moved out: their thumbnails go. */
    assert_int_equal(unlink(at(src, "gone.png")), 0);
    expect(&w, "\"removed\"", "gone.jpg", NULL);
    assert_int_equal(rename(at(src, "away.png"), at(test_dirs.root, "away.png")), 0);
    expect(&w, "\"removed\"", "away.jpg", NULL);
    struct stat st;
    assert_int_equal(stat(at(dst, "gone.jpg"), &st), -1);
    assert_int_equal(stat(at(dst, "away.jpg"), &st), -1);
    /* A new subfolder with files in it. */
    assert_int_equal(mkdir(at(src, "sub"), 0755), 0);
    write_png(at(src, "sub/s1.png"), 20, 20);
    assert_int_equal(mkdir(at(src, "sub/deeper"), 0755), 0);
    write_png(at(src, "sub/deeper/s2.png"), 22, 22);
    expect(&w, "sub/deeper/s2.png\"", "\"made\"", NULL);
    if (seen_count(&w, "sub/s1.png\"", "\"made\"") == 0)
        expect(&w, "sub/s1.png\"", "\"made\"", NULL);
    /* Written slowly, in two parts: one thumbnail, made after the close. */
    size_t len;
    void *buf = png(50, 50, &len);
    int fd = open(at(src, "slow.png"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, len / 2), (ssize_t)(len / 2));
    write_png(at(src, "marker.png"), 10, 10); /* its line comes after anything slow.png caused */
    expect(&w, "marker.png\"", "\"made\"", NULL);
    assert_int_equal(seen_count(&w, "slow.png\"", "\"src\""), 0);
    assert_int_equal(write(fd, (char *)buf + len / 2, len - len / 2), (ssize_t)(len - len / 2));
    assert_int_equal(close(fd), 0);
    g_free(buf);
    expect(&w, "slow.png\"", "\"made\"", "\"width\":50", NULL);
    write_png(at(src, "last.png"), 10, 10);
    expect(&w, "last.png\"", "\"made\"", NULL);
    assert_int_equal(seen_count(&w, "slow.png\"", "\"src\""), 1);

    char *err = stop(&w);
    /* (A file of the new folder may be found twice, by its walk and its event: "made" is not
     * fixed, but nothing fails and exactly the two thumbnails go.) */
    assert_non_null(strstr(err, " skipped, 0 failed, 2 removed in "));
    assert_null(strstr(err, "interrupted"));
    free(err);
    assert_int_equal(count_outputs(dst, ".jpg"), 8);
}

/* An overflowed event queue (injected by thumbgen-testhooks) leads to a rescan, which finds what
 * no event told of (a hard link sends only IN_CREATE... and a copy made while unwatched). */
static void overflow_rescans(void **state)
{
    (void)state;
    const char *src = test_dirs.src;
    write_png(at(src, "a.png"), 16, 16);
    watcher_t w;
    start(&w, THUMBGEN_HOOKS_BIN, NULL);
    expect(&w, "\"status\":\"watching\"", NULL);
    assert_int_equal(seen_count(&w, "a.png\"", "\"made\""), 1);
    write_png(at(src, ".hidden.png"), 16, 16); /* hidden: never taken */
    assert_int_equal(rename(at(src, ".hidden.png"), at(src, ".still-hidden.png")), 0);
    write_png(at(test_dirs.root, "unseen.png"), 16, 16);
    shf("touch '%s/.thumbgen-test-overflow'", src);
    expect(&w, "\"status\":\"watching\"", NULL); /* the rescan's pass */
    shf("cp '%s/unseen.png' '%s/'", test_dirs.root, src);
    expect(&w, "unseen.png\"", "\"made\"", NULL);
    char *err = stop(&w);
    assert_non_null(strstr(err, "the inotify queue overflowed): rescanning"));
    free(err);
    assert_int_equal(seen_count(&w, "hidden", "\"src\""), 0);
}

/* thumbgen --freedesktop SRC --watch --prune (the README's service): a new file's entries
 * appear, a deleted one's go. */
static void freedesktop_service(void **state)
{
    (void)state;
    char cache[256];
    FMT(cache, "%s/cache", test_dirs.root);
    setenv("XDG_CACHE_HOME", cache, 1);
    watcher_t w;
    start(&w, BIN, "--freedesktop", "--prune", NULL);
    expect(&w, "\"status\":\"watching\"", NULL);
    write_png(at(test_dirs.src, "new.png"), 40, 40);
    const char *line = expect(&w, "new.png\"", "\"made\"", "/thumbnails/normal/", NULL);
    char normal[512];
    const char *d = strstr(line, "\"dst\":\"") + 7;
    FMT(normal, "%.*s", (int)(strchr(d, '"') - d), d);
    struct stat st;
    assert_int_equal(stat(normal, &st), 0);
    assert_int_equal(unlink(at(test_dirs.src, "new.png")), 0);
    expect(&w, "\"removed\"", "/thumbnails/normal/", NULL);
    expect(&w, "\"removed\"", "/thumbnails/large/", NULL);
    assert_int_equal(stat(normal, &st), -1);
    free(stop(&w));
}

/* Where the cache keeps flavour's thumbnail of path (absolute, without "." or "..", as the
 * test's paths are): GLib's URI of it, hashed. */
static char *cache_entry(const char *cache, const char *flavour, const char *path)
{
    static char p[512];
    gchar *uri = g_filename_to_uri(path, NULL, NULL);
    gchar *md5 = g_compute_checksum_for_string(G_CHECKSUM_MD5, uri, -1);
    FMT(p, "%s/thumbnails/%s/%s.png", cache, flavour, md5);
    g_free(md5);
    g_free(uri);
    return p;
}

/* Reads the manifest until both files of folder rel (a1.png, a2.png) have been made. */
static void expect_folder_made(watcher_t *w, const char *rel)
{
    char a1[64], a2[64];
    FMT(a1, "/%s/a1.png\"", rel);
    FMT(a2, "/%s/a2.png\"", rel);
    while (seen_count(w, a1, "\"made\"") == 0 || seen_count(w, a2, "\"made\"") == 0)
        expect(w, "\"made\"", NULL);
}

/* Asserts that folder rel's thumbnails are all there (or all gone): in DST's mirror, or in both
 * of the cache's flavours. */
static void assert_thumbnails(const char *cache, const char *rel, bool there)
{
    struct stat st;
    for (int i = 1; i <= 2; i++) {
        char name[64];
        FMT(name, "%s/a%d", rel, i);
        if (cache == NULL) {
            char jpg[80];
            FMT(jpg, "%s.jpg", name);
            assert_int_equal(stat(at(test_dirs.dst, jpg), &st) == 0, there);
            continue;
        }
        char png_name[80];
        FMT(png_name, "%s.png", name);
        const char *src = at(test_dirs.src, png_name);
        assert_int_equal(stat(cache_entry(cache, "normal", src), &st) == 0, there);
        assert_int_equal(stat(cache_entry(cache, "large", src), &st) == 0, there);
    }
}

/* A folder renamed inside SRC, then moved out of it, then moved back in (issue 28, case 4): the
 * rescan each move causes removes the thumbnails of the folder's old place and makes its new
 * place's. The rescan prunes before its "watching" line, so that line says when to look. */
static void folder_moves(const char *cache, const char *extra)
{
    const char *src = test_dirs.src;
    assert_int_equal(mkdir(at(src, "album"), 0755), 0);
    assert_int_equal(mkdir(at(src, "other"), 0755), 0);
    write_png(at(src, "album/a1.png"), 20, 20);
    write_png(at(src, "album/a2.png"), 24, 20);
    write_png(at(src, "other/a1.png"), 20, 24);
    write_png(at(src, "other/a2.png"), 24, 24);
    watcher_t w;
    if (cache != NULL)
        start(&w, BIN, "--freedesktop", "--prune", extra, NULL);
    else
        start(&w, BIN, "--prune", extra, NULL);
    expect_folder_made(&w, "album");
    expect_folder_made(&w, "other");
    if (seen_count(&w, "\"status\":\"watching\"", "") == 0)
        expect(&w, "\"status\":\"watching\"", NULL);

    /* Renamed inside SRC. */
    assert_int_equal(rename(at(src, "album"), at(src, "album2")), 0);
    expect(&w, "\"status\":\"watching\"", NULL);
    assert_thumbnails(cache, "album", false);
    expect_folder_made(&w, "album2");
    assert_thumbnails(cache, "album2", true);
    /* Moved out of SRC. */
    assert_int_equal(rename(at(src, "album2"), at(test_dirs.root, "away")), 0);
    expect(&w, "\"status\":\"watching\"", NULL);
    assert_thumbnails(cache, "album2", false);
    /* Moved in. */
    assert_int_equal(rename(at(test_dirs.root, "away"), at(src, "back")), 0);
    expect_folder_made(&w, "back");
    assert_thumbnails(cache, "back", true);
    assert_thumbnails(cache, "other", true);

    char *err = stop(&w);
    assert_non_null(strstr(err, "a folder went away: rescanning to forget what came from it"));
    assert_non_null(strstr(err, " 0 failed, "));
    free(err);
    if (cache == NULL) {
        assert_int_equal(count_outputs(test_dirs.dst, ".jpg"), 4);
        struct stat st;
        assert_int_equal(stat(at(test_dirs.dst, "album"), &st), -1); /* emptied: removed */
    }
}

/* Each move takes half of SRC's thumbnails, more than --prune-max 40% allows: the guard does not
 * weigh a folder the user moved (it is for a SRC that is wrong or gone). */
static void folder_moves_prune(void **state)
{
    (void)state;
    folder_moves(NULL, "--prune-max=40%");
}

/* The same in the cache (thumbgen --freedesktop SRC --watch --prune). */
static void folder_moves_prune_cache(void **state)
{
    (void)state;
    char cache[256];
    FMT(cache, "%s/cache", test_dirs.root);
    setenv("XDG_CACHE_HOME", cache, 1);
    folder_moves(cache, "--prune-max=40%");
}

/* SIGINT during the first pass (the only decoder held on a file by a test hook, the lister
 * blocked behind it on a tree larger than its channel): an interrupted run, status 130, no
 * "watching" line. */
static void interrupted_first_pass(void **state)
{
    (void)state;
    char fifo[256];
    FMT(fifo, "%s/release", test_dirs.root);
    shf("mkfifo '%s' && printf 'TGFAULT hold %s' > '%s/0000-hold'", fifo, fifo, test_dirs.src);
    for (int i = 0; i < 12; i++) {
        char name[32];
        FMT(name, "img%02d.png", i);
        write_png(at(test_dirs.src, name), 8, 8);
    }
    watcher_t w;
    start(&w, THUMBGEN_HOOKS_BIN, "-j", "1", NULL);
    int hold = open(fifo, O_WRONLY | O_CLOEXEC); /* returns once the decoder is held */
    assert_true(hold >= 0);
    kill(w.pid, SIGINT);
    char *err = NULL;
    int status = watcher_finish(&w, &err);
    close(hold);
    assert_int_equal(status, 130);
    assert_non_null(strstr(err, ", interrupted"));
    free(err);
    assert_null(strstr(w.seen, "watching"));
}

/* SRC named through a symlink (the user's own: followed, as in a walk): its files are watched. */
static void src_through_a_symlink(void **state)
{
    (void)state;
    char link[256];
    FMT(link, "%s/link", test_dirs.root);
    assert_int_equal(symlink(test_dirs.src, link), 0);
    src_arg = link;
    watcher_t w;
    start(&w, BIN, NULL);
    src_arg = NULL;
    expect(&w, "\"status\":\"watching\",\"folders\":1", NULL);
    write_png(at(test_dirs.src, "x.png"), 12, 12);
    expect(&w, "link/x.png\"", "\"made\"", NULL);
    free(stop(&w));
}

/* The README's service on a symlinked ~/Pictures (SRC given as a symlink to the real folder;
 * issue 28, case 6): a new file's entries are keyed by the path through the symlink, as a file
 * manager browsing it asks, and a deleted file's go by that name. */
static void cache_through_a_symlink(void **state)
{
    (void)state;
    char link[256], cache[256], path[300];
    FMT(link, "%s/Pictures", test_dirs.root);
    assert_int_equal(symlink(test_dirs.src, link), 0);
    FMT(cache, "%s/cache", test_dirs.root);
    setenv("XDG_CACHE_HOME", cache, 1);
    src_arg = link;
    watcher_t w;
    start(&w, BIN, "--freedesktop", "--prune", NULL);
    src_arg = NULL;
    expect(&w, "\"status\":\"watching\"", NULL);
    write_png(at(test_dirs.src, "new.png"), 40, 40);
    expect(&w, "new.png\"", "\"made\"", NULL);
    FMT(path, "%s/new.png", link);
    struct stat st;
    assert_int_equal(stat(cache_entry(cache, "normal", path), &st), 0);
    assert_int_equal(stat(cache_entry(cache, "large", path), &st), 0);
    assert_int_equal(unlink(path), 0);
    expect(&w, "\"removed\"", "/thumbnails/normal/", NULL);
    expect(&w, "\"removed\"", "/thumbnails/large/", NULL);
    assert_int_equal(stat(cache_entry(cache, "normal", path), &st), -1);
    assert_int_equal(stat(cache_entry(cache, "large", path), &st), -1);
    free(stop(&w));
}

/* What cannot be watched is refused at once, saying why. */
static void refusals(void **state)
{
    (void)state;
    expect_says(tg_run(BIN, test_dirs.src, test_dirs.dst, "--watch", "--dry-run", NULL), 2,
                "--watch cannot be used with --dry-run");
    setenv("AWS_ACCESS_KEY_ID", "x", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "x", 1);
    expect_says(tg_run(BIN, "s3://bucket/photos", test_dirs.dst, "--watch", NULL), 2,
                "--watch needs a local SRC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(follows_changes, setup_dirs, watcher_teardown_dirs),
        cmocka_unit_test_setup_teardown(overflow_rescans, setup_dirs, watcher_teardown_dirs),
        cmocka_unit_test_setup_teardown(freedesktop_service, setup_dirs, watcher_teardown_dirs),
        cmocka_unit_test_setup_teardown(folder_moves_prune, setup_dirs, watcher_teardown_dirs),
        cmocka_unit_test_setup_teardown(folder_moves_prune_cache, setup_dirs,
                                        watcher_teardown_dirs),
        cmocka_unit_test_setup_teardown(interrupted_first_pass, setup_dirs, watcher_teardown_dirs),
        cmocka_unit_test_setup_teardown(src_through_a_symlink, setup_dirs, watcher_teardown_dirs),
        cmocka_unit_test_setup_teardown(cache_through_a_symlink, setup_dirs, watcher_teardown_dirs),
        cmocka_unit_test_setup_teardown(refusals, setup_dirs, watcher_teardown_dirs),
    };
    if (VIPS_INIT("test_cli_watch"))
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
