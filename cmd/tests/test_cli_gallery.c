/* End-to-end tests of --html, the gallery of DST: the pages are opened in Debian's Chromium,
 * headless, from file:// (cmd/tests/gallery/check.js, driven by puppeteer-core, pinned in
 * cmd/tests/gallery/package-lock.json), which checks that every image loads at the size its page
 * gives it, that no request leaves the gallery, that there is no console error, that every link
 * resolves, and that a screenshot of the top page shows the fixtures' quadrant colours where their
 * thumbnails are. The rest reads the pages and their files: failures and clashes listed, a rerun
 * that writes nothing, a change that rewrites one folder's page and its ancestors' only, a deleted
 * page written again, --prune taking an emptied folder's page, the refusals, a single file's link
 * (also one at the root), and an S3 DST (the real test server). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ftw.h>
#include <limits.h>
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

#define BIN THUMBGEN_BIN
#define DEEP "nested/a b/\xc3\xbc deep"
/* The fixtures whose thumbnails the top page shows, each testdata's four-colour picture. */
#define QUADRANTS "Landscape_1.jpg,Landscape_6.jpg,Portrait_6.jpg"

/* SRC: three photos at the top, testdata's formats/, nested/ and bad/, a name clash (a.png and
 * a.gif both map to a.jpg) and a two-second clip. */
static void make_fixture(const char *src)
{
    shf("cd '%s' && cp '%s/photos/orientation/Landscape_1.jpg' "
        "'%s/photos/orientation/Landscape_6.jpg' "
        "'%s/photos/orientation/Portrait_6.jpg' . && cp -r '%s/formats' '%s/nested' '%s/bad' . && "
        "mkdir clash clips && cp formats/alpha.png clash/a.png && cp formats/anim.gif clash/a.gif "
        "&& "
        "ffmpeg -nostdin -v error -f lavfi -i testsrc=duration=2:size=160x120:rate=10 "
        "-pix_fmt yuv420p clips/clip.mp4",
        src, TESTDATA, TESTDATA, TESTDATA, TESTDATA, TESTDATA, TESTDATA);
}

/* thumbgen SRC DST --html -s 128,512 -j 2 --quiet [more...]: its status (bad/ fails: 1). */
static int run_html(const char *dst, const char *more)
{
    proc_result_t r = more ? tg_run(BIN, test_dirs.src, dst, "--html", "-s", "128,512", "-j", "2",
                                    "--quiet", more, NULL)
                           : tg_run(BIN, test_dirs.src, dst, "--html", "-s", "128,512", "-j", "2",
                                    "--quiet", NULL);
    int status = r.status;
    if (status != 0 && status != 1)
        fail_msg("thumbgen --html: status %d: %s", status, r.err);
    proc_result_free(&r);
    return status;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void expect_in(const char *path, const char *text)
{
    char *got = slurp(path);
    if (got == NULL || strstr(got, text) == NULL)
        fail_msg("%s does not say %s", path, text);
}

/* Every folder gets a page; failures and clashes are listed with their reasons; a clip is marked
 * with its duration; in Chromium, everything loads, stays inside the gallery and resolves, and the
 * top page shows the photos the right way up. */
static void pages_in_a_browser(void **state)
{
    (void)state;
    make_fixture(test_dirs.src);
    assert_int_equal(run_html(test_dirs.dst, NULL), 1); /* bad/ fails */
    const char *folders[] = {"", "formats", "nested", "nested/a b", DEEP, "bad", "clash", "clips"};
    for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
        char rel[256];
        FMT(rel, "%s%sindex.html", folders[i], folders[i][0] ? "/" : "");
        if (!exists(at(test_dirs.dst, rel)))
            fail_msg("no page %s", rel);
    }
    expect_in(at(test_dirs.dst, "bad/index.html"),
              "<b>truncated.jpg</b>: cannot read image: VipsJpeg: Premature end of input file");
    expect_in(at(test_dirs.dst, "bad/index.html"), "<b>empty.jpg</b>: empty file");
    expect_in(at(test_dirs.dst, "clash/index.html"),
              "<b>a.png</b>: its thumbnail's name belongs to a.gif");
    expect_in(at(test_dirs.dst, "clips/index.html"), "<b>\xe2\x96\xb6 0:02</b>");
    expect_in(at(test_dirs.dst, "index.html"), "href=\"nested/index.html\"");
    /* The large size on a click, the original beside it, relative and percent-encoded. */
    expect_in(at(test_dirs.dst, DEEP "/index.html"),
              "href=\"../../../512/nested/a%20b/%C3%BC%20deep/%C3%A9t%C3%A9%20photo%201.jpg\"");
    expect_in(at(test_dirs.dst, DEEP "/index.html"),
              "href=\"../../../../src/nested/a%20b/%C3%BC%20deep/%C3%A9t%C3%A9%20photo%201.jpg\"");
    browser_check(GALLERY_DIR, test_dirs.dst, "--quadrants", QUADRANTS);
}

/* The pages and states under DST, each as "REL INODE MTIME\n", sorted, in buf. */
typedef struct {
    char text[8192];
    size_t n;
    size_t root;
} snapshot_t;

static snapshot_t *snap_into;

static int snap_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    const char *name = strrchr(path, '/') + 1;
    if (type == FTW_F &&
        (strcmp(name, "index.html") == 0 || strcmp(name, ".thumbgen-gallery") == 0))
        snap_into->n += (size_t)snprintf(
            snap_into->text + snap_into->n, sizeof snap_into->text - snap_into->n,
            "%s %lu %ld.%09ld\n", path + snap_into->root, (unsigned long)st->st_ino,
            (long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
    return 0;
}

static void snapshot(const char *dst, snapshot_t *s)
{
    memset(s, 0, sizeof *s);
    s->root = strlen(dst) + 1;
    snap_into = s;
    assert_int_equal(nftw(dst, snap_one, 16, FTW_PHYS), 0);
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folders whose page's line differs between two snapshots, sorted, as "|a/|b/|" ("" for the
 * top page's folder). */
static void changed(const snapshot_t *a, const snapshot_t *b, char *out, size_t size)
{
    char *v[64];
    int n = 0;
    for (const char *p = b->text; *p && n < 64;) {
        const char *end = strchr(p, '\n');
        char line[512];
        snprintf(line, sizeof line, "%.*s\n", (int)(end - p), p);
        char *cut = strstr(line, "index.html ");
        const char *hit = strstr(a->text, line);
        if (cut != NULL && (cut == line || cut[-1] == '/') &&
            (hit == NULL || (hit != a->text && hit[-1] != '\n'))) {
            *cut = '\0';
            v[n++] = strdup(line);
        }
        p = end + 1;
    }
    qsort(v, (size_t)n, sizeof *v, by_text);
    snprintf(out, size, "|");
    for (int i = 0; i < n; i++) {
        snprintf(out + strlen(out), size - strlen(out), "%s|", v[i]);
        free(v[i]);
    }
}

/* A rerun that changes nothing writes no page and no state (same inodes, same times); a new photo
 * in one folder rewrites that folder's page and its ancestors' (their counts), no other. */
static void incremental(void **state)
{
    (void)state;
    make_fixture(test_dirs.src);
    run_html(test_dirs.dst, NULL);
    snapshot_t before, after;
    snapshot(test_dirs.dst, &before);
    assert_true(before.n > 0);
    run_html(test_dirs.dst, NULL);
    snapshot(test_dirs.dst, &after);
    assert_string_equal(after.text, before.text);

    char diff[1024];
    shf("cp '%s/photos/orientation/Landscape_3.jpg' '%s/" DEEP "/new.jpg'", TESTDATA,
        test_dirs.src);
    run_html(test_dirs.dst, NULL);
    snapshot(test_dirs.dst, &after);
    changed(&before, &after, diff, sizeof diff);
    assert_string_equal(diff, "||nested/|nested/a b/|" DEEP "/|");
    expect_in(at(test_dirs.dst, "nested/index.html"), "<small>2</small>");
    browser_check(GALLERY_DIR, test_dirs.dst, NULL, NULL);
}

/* --prune: a folder whose sources are all gone loses its thumbnails, its page and its state, and
 * so the folder itself; its parent's page no longer links to it. */
static void prune_takes_the_page(void **state)
{
    (void)state;
    make_fixture(test_dirs.src);
    run_html(test_dirs.dst, NULL);
    assert_true(exists(at(test_dirs.dst, "clash/index.html")));
    shf("rm -r '%s/clash'", test_dirs.src);
    run_html(test_dirs.dst, "--prune");
    assert_false(exists(at(test_dirs.dst, "clash")));
    char *top = slurp(at(test_dirs.dst, "index.html"));
    assert_non_null(top);
    assert_null(strstr(top, "clash/index.html"));
    browser_check(GALLERY_DIR, test_dirs.dst, NULL, NULL);
}

/* A page deleted while its folder's state stays (the top page, a folder's) is noticed by the next
 * run and written again; no other page is. */
static void deleted_page_written_again(void **state)
{
    (void)state;
    make_fixture(test_dirs.src);
    run_html(test_dirs.dst, NULL);
    snapshot_t before, after;
    snapshot(test_dirs.dst, &before);
    assert_int_equal(unlink(at(test_dirs.dst, "index.html")), 0);
    assert_int_equal(unlink(at(test_dirs.dst, "nested/a b/index.html")), 0);
    run_html(test_dirs.dst, NULL);
    assert_true(exists(at(test_dirs.dst, "index.html")));
    assert_true(exists(at(test_dirs.dst, "nested/a b/index.html")));
    char diff[1024];
    snapshot(test_dirs.dst, &after);
    changed(&before, &after, diff, sizeof diff);
    assert_string_equal(diff, "||nested/a b/|");
    expect_in(at(test_dirs.dst, "nested/a b/index.html"), "href=\"%C3%BC%20deep/index.html\"");
}

/* A failure recorded by a run without --html: the first page names it failed before, in words,
 * never the hidden record's path (which the rerun's message gives, relative to where it ran). */
static void recorded_failure_in_words(void **state)
{
    (void)state;
    make_fixture(test_dirs.src);
    proc_result_t r =
        tg_run(BIN, test_dirs.src, test_dirs.dst, "-s", "128,512", "-j", "2", "--quiet", NULL);
    assert_int_equal(r.status, 1); /* bad/ fails, leaving records */
    proc_result_free(&r);
    assert_int_equal(run_html(test_dirs.dst, NULL), 1);
    expect_in(at(test_dirs.dst, "bad/index.html"),
              "<b>empty.jpg</b>: failed before and has not changed since (--force tries again)");
    char *page = slurp(at(test_dirs.dst, "bad/index.html"));
    if (page == NULL || strstr(page, "thumbgen-failed") != NULL)
        fail_msg("bad/index.html names a failure record: %s", page ? page : "(none)");
}

/* Names the state escapes (a '%', a tab, a newline, "%41") and BlurHashes (whose alphabet holds
 * '%'): a rerun that changes nothing still finds every thumbnail in its folder's state, making
 * nothing; each name is on the page. */
static void escaped_names_known(void **state)
{
    (void)state;
    const char *names[] = {"100%.jpg", "a\tb.jpg", "two\nlines.jpg", "x%41.jpg", "plain.jpg"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        shf("cp '%s/photos/orientation/Landscape_1.jpg' '%s/%s'", TESTDATA, test_dirs.src,
            names[i]);
    }
    for (int run = 0; run < 2; run++) {
        expect_run(tg_run(BIN, test_dirs.src, test_dirs.dst, "--html", "--placeholder", "blurhash",
                          "-j", "2", NULL),
                   0, run == 0 ? 5 : 0, run == 0 ? 0 : 5, 0, 0);
    }
    expect_in(at(test_dirs.dst, "index.html"), "alt=\"100%.jpg\"");
    expect_in(at(test_dirs.dst, "index.html"), "alt=\"x%41.jpg\"");
}

static void expect_refused(const char *why, const char *a, const char *b, const char *c)
{
    proc_result_t r = tg_run(BIN, a, b, c, NULL);
    assert_int_equal(r.status, 2);
    if (strstr(r.err, why) == NULL)
        fail_msg("expected '%s', got: %s", why, r.err);
    proc_result_free(&r);
}

/* Refused, saying why, with status 2: the cache (no DST to put pages in), --shard, and a DST that
 * cannot hold pages. */
static void refusals(void **state)
{
    (void)state;
    expect_refused("thumbgen: --html cannot be used with --freedesktop: the cache is for file "
                   "managers",
                   "--freedesktop", test_dirs.src, "--html");
    expect_says(tg_run(BIN, test_dirs.src, test_dirs.dst, "--html", "--shard", "0/2", NULL), 2,
                "--html cannot be used with --shard");
    expect_refused("null:: --html needs a folder or an S3 DST", test_dirs.src, "null:", "--html");
}

/* Requests in the S3 server's log that start with prefix and contain part. */
static int requests_with(const s3server_t *s, const char *prefix, const char *part)
{
    FILE *l = fopen(s->log, "r");
    int n = 0;
    char line[2048];
    while (l != NULL && fgets(line, sizeof line, l) != NULL)
        n += strncmp(line, prefix, strlen(prefix)) == 0 && strstr(line, part) != NULL;
    if (l != NULL)
        fclose(l);
    return n;
}

/* Into a bucket: the pages are PUT as text/html, read back by awscli they work in Chromium
 * (every link relative), a rerun PUTs nothing, a new photo PUTs its thumbnails and the pages
 * of its folder and its ancestors only, and a deleted page is PUT again. */
static void into_s3(void **state)
{
    (void)state;
    s3server_t s;
    if (s3server_setup(&s) != 0)
        fail_msg("the S3 test server is not installed");
    make_fixture(test_dirs.src);
    assert_int_equal(run_html("s3://thumbs/g", NULL), 1);
    char back[256];
    shf("aws --endpoint-url '%s' s3api head-object --bucket thumbs --key g/index.html --query "
        "ContentType --output text | grep -qx 'text/html; charset=utf-8'",
        s.endpoint);
    FMT(back, "%s/back", s.root);
    shf("aws --endpoint-url '%s' s3 cp --quiet --recursive s3://thumbs/g '%s'", s.endpoint, back);
    expect_in(at(back, "bad/index.html"), "<b>empty.jpg</b>: empty file");
    browser_check(GALLERY_DIR, back, "--quadrants", QUADRANTS);

    int puts = requests_with(&s, "PUT ", "");
    run_html("s3://thumbs/g", NULL);
    assert_int_equal(requests_with(&s, "PUT ", ""), puts);

    shf("cp '%s/photos/orientation/Landscape_3.jpg' '%s/" DEEP "/new.jpg'", TESTDATA,
        test_dirs.src);
    int pages = requests_with(&s, "PUT ", "index.html");
    run_html("s3://thumbs/g", NULL);
    assert_int_equal(requests_with(&s, "PUT ", "index.html"), pages + 4);
    /* 2 sizes and the identity record; a page and a state for each of 4 folders */
    assert_int_equal(requests_with(&s, "PUT ", ""), puts + 3 + 4 * 2);

    /* A page deleted from the bucket is PUT again, alone. */
    shf("aws --endpoint-url '%s' s3 rm --quiet s3://thumbs/g/nested/index.html", s.endpoint);
    puts = requests_with(&s, "PUT ", "");
    pages = requests_with(&s, "PUT ", "/g/nested/index.html");
    run_html("s3://thumbs/g", NULL);
    assert_int_equal(requests_with(&s, "PUT ", "/g/nested/index.html"), pages + 1);
    assert_int_equal(requests_with(&s, "PUT ", ""), puts + 2); /* its page and state */
    s3server_teardown(&s);
}

/* SRC a single file: its page links to that file, also for one at the root of the filesystem
 * (where the folder holding it is "/", not "."; tried only as root, as in CI). */
static void one_file_links_to_it(void **state)
{
    (void)state;
    char here[PATH_MAX], root[64], link[2 * PATH_MAX], want[PATH_MAX], got[PATH_MAX];
    snprintf(here, sizeof here, "%s/one.jpg", test_dirs.src);
    snprintf(root, sizeof root, "/thumbgen-gallery-%d.jpg", (int)getpid());
    const char *files[] = {here, root};
    for (int i = 0; i < (geteuid() == 0 ? 2 : 1); i++) {
        const char *name = strrchr(files[i], '/') + 1;
        shf("rm -rf '%s' && cp '%s/photos/orientation/Landscape_1.jpg' '%s'", test_dirs.dst,
            TESTDATA, files[i]);
        expect_run(tg_run(BIN, files[i], test_dirs.dst, "--html", NULL), 0, 1, 0, 0, 0);
        char *page = slurp(at(test_dirs.dst, "index.html")), *href = NULL;
        /* The link out of DST (a thumbnail's stays inside) that ends with the file's name. */
        for (char *h = page; href == NULL && h && (h = strstr(h, "href=\"../")) != NULL; h++) {
            size_t n = strcspn(h + 6, "\"");
            if (n > strlen(name) && strncmp(h + 6 + n - strlen(name), name, strlen(name)) == 0)
                href = strndup(h + 6, n);
        }
        snprintf(link, sizeof link, "%s/%s", test_dirs.dst, href ? href : "");
        bool same = href != NULL && realpath(files[i], want) != NULL &&
                    realpath(link, got) != NULL && strcmp(want, got) == 0;
        if (i == 1)
            unlink(root); /* before any assertion: nothing is left at the root */
        if (!same)
            fail_msg("%s links to %s, not to %s", at(test_dirs.dst, "index.html"),
                     href ? href : "nothing", files[i]);
        free(href);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pages_in_a_browser, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(incremental, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(prune_takes_the_page, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(deleted_page_written_again, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(recorded_failure_in_words, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(escaped_names_known, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(refusals, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(into_s3, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(one_file_links_to_it, setup_dirs, teardown_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
