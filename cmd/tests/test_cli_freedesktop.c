/* End-to-end tests of `thumbgen --freedesktop SRC`: the cache it fills is checked by GNOME's own
 * thumbnail factory (freedesktop/gnome_check.py, the code GNOME Files uses to find thumbnails),
 * and its files, modes and keys are inspected here with libvips. The cache is a temporary folder
 * that XDG_CACHE_HOME points at. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
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
#define CHECK "/usr/bin/python3", FREEDESKTOP_DIR "/gnome_check.py"
#define FAIL_DIR "fail/thumbgen-" TG_VERSION

typedef struct {
    char *src; /* test_dirs.src, a copy of testdata/ */
    char cache[128], thumbs[160];
    tg_tree_t tree; /* SRC's sources: good (thumbnailed), bad (failed), other (skipped) */
} fixture_t;

static fixture_t fx;

static int setup(void **state)
{
    setup_testdata(state);
    fixture_t *f = &fx;
    f->src = test_dirs.src;
    FMT(f->cache, "%s/cache", test_dirs.root);
    FMT(f->thumbs, "%s/thumbnails", f->cache);
    tree_list(f->src, &f->tree);
    setenv("XDG_CACHE_HOME", f->cache, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    tree_free(&fx.tree);
    return teardown_dirs(state);
}

/* Fails unless r ended with status and the summary of a run that tried every source: made, up to
 * date, and the tree's skipped and failed; frees r. */
static void expect_all(const fixture_t *f, proc_result_t r, int status, int made, int up_to_date)
{
    expect_run(r, status, made, up_to_date, f->tree.nother, f->tree.nbad);
}

/* Runs gnome_check.py MODE ARG on the given sources (relative to SRC); asserts that GNOME's
 * factory accepts every one (its own report is printed if not). */
static void gnome_accepts(const fixture_t *f, const char *mode, const char *arg, char *const *rel,
                          size_t n)
{
    char *argv[64] = {CHECK, (char *)mode, (char *)arg};
    static char paths[56][300];
    assert_true(n <= 56);
    for (size_t i = 0; i < n; i++) { /* argv's rest is NULL */
        FMT(paths[i], "%s/%s", f->src, rel[i]);
        argv[4 + i] = paths[i];
    }
    run_ok(argv);
}

/* GNOME's factory accepts every good source's thumbnail in each of the flavours and every bad
 * source's failure entry. */
static void gnome_accepts_all(const fixture_t *f, const char *flavours)
{
    gnome_accepts(f, "thumb", flavours, f->tree.good, (size_t)f->tree.ngood);
    gnome_accepts(f, "gio", "-", f->tree.good, (size_t)f->tree.ngood);
    char faildir[300];
    FMT(faildir, "%s/%s", f->thumbs, FAIL_DIR);
    gnome_accepts(f, "failed", faildir, f->tree.bad, (size_t)f->tree.nbad);
}

/* The cache file of a source in a flavour folder: MD5 of its canonical file:// URI, as the
 * standard says (computed here independently of thumbgen). g_free it. */
static char *cache_file(const fixture_t *f, const char *flavour, const char *rel)
{
    char path[400], real[PATH_MAX];
    FMT(path, "%s/%s", f->src, rel);
    assert_non_null(realpath(path, real));
    gchar *uri = g_filename_to_uri(real, NULL, NULL);
    gchar *md5 = g_compute_checksum_for_string(G_CHECKSUM_MD5, uri, -1);
    gchar *file = g_strdup_printf("%s/%s/%s.png", f->thumbs, flavour, md5);
    g_free(md5);
    g_free(uri);
    return file;
}

static proc_result_t tg_fdo(const fixture_t *f, const char *opt1, const char *opt2)
{
    return tg_run(BIN, "--freedesktop", f->src, "-j", "2", opt1, opt2, NULL);
}

/* nftw callbacks over the cache: modes, and a listing of every file's identity and time. */
static int bad_modes;
static GString *listing;
static int check_mode(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    mode_t want = type == FTW_D ? 0700 : 0600;
    if ((st->st_mode & 07777) != want) {
        print_error("%s: mode %o, not %o\n", path, st->st_mode & 07777, want);
        bad_modes++;
    }
    return 0;
}
static int list_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type == FTW_F)
        g_string_append_printf(listing, "%s %lu %ld.%09ld\n", path, (unsigned long)st->st_ino,
                               (long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
    return 0;
}
static char *cache_listing(const fixture_t *f)
{
    listing = g_string_new(NULL);
    assert_int_equal(nftw(f->thumbs, list_file, 16, FTW_PHYS), 0);
    return g_string_free(listing, FALSE);
}

/* The value of a PNG text key in a loaded cache thumbnail, or NULL. */
static const char *text_key(VipsImage *im, const char *key)
{
    gchar **fields = vips_image_get_fields(im);
    const char *v = NULL;
    for (int i = 0; fields[i] && v == NULL; i++) {
        const char *dash = strrchr(fields[i], '-'); /* png-comment-N-KEY */
        if (strncmp(fields[i], "png-comment-", 12) == 0 && dash && strcmp(dash + 1, key) == 0)
            vips_image_get_string(im, fields[i], &v);
    }
    g_strfreev(fields);
    return v;
}

/* Every flavour, every good source, every failure entry: GNOME's factory accepts them all; the
 * files are 0600 in 0700 folders, 8-bit RGBA, upright, never upscaled, and carry the keys and
 * nothing of the source's metadata. */
static void gnome_accepts_every_flavour(void **state)
{
    fixture_t *f = *state;
    expect_all(f, tg_fdo(f, "-s", "normal,large,x-large,xx-large"), 1, f->tree.ngood, 0);
    gnome_accepts_all(f, "normal,large,x-large,xx-large");
    /* Nothing else in the cache: 4 thumbnails per good source, one failure entry per bad one. */
    char *all = cache_listing(f);
    assert_int_equal(count_lines(all), f->tree.ngood * 4 + f->tree.nbad);
    g_free(all);
    bad_modes = 0;
    assert_int_equal(nftw(f->thumbs, check_mode, 16, FTW_PHYS), 0);
    assert_int_equal(bad_modes, 0);

    /* Landscape_6 is stored 800x1200 with orientation 6: shown 1200x800. */
    const struct {
        const char *flavour;
        int w, h;
    } boxes[] = {
        {"normal", 128, 85}, {"large", 256, 171}, {"x-large", 512, 341}, {"xx-large", 1024, 683}};
    VipsImage *up = NULL;
    for (size_t i = 0; i < 4; i++) {
        char *file = cache_file(f, boxes[i].flavour, "photos/orientation/Landscape_6.jpg");
        VipsImage *im = load(file);
        g_free(file);
        assert_int_equal(im->Xsize, boxes[i].w);
        assert_true(abs(im->Ysize - boxes[i].h) <= 1); /* 1200x800 scaled: rounded either way */
        assert_int_equal(im->Bands, 4);
        assert_int_equal(im->BandFmt, VIPS_FORMAT_UCHAR);
        assert_false(vips_image_get_typeof(im, "exif-data"));
        assert_false(vips_image_get_typeof(im, "icc-profile-data"));
        assert_string_equal(text_key(im, "Thumb::Mimetype"), "image/jpeg");
        assert_string_equal(text_key(im, "Thumb::Image::Width"), "1200");
        assert_string_equal(text_key(im, "Thumb::Image::Height"), "800");
        assert_non_null(strstr(text_key(im, "Software"), "thumbgen"));
        if (i == 0)
            up = im; /* upright: the same picture as orientation 1's */
        else
            g_object_unref(im);
    }
    char *file = cache_file(f, "normal", "photos/orientation/Landscape_1.jpg");
    VipsImage *ref = load(file);
    g_free(file);
    assert_true(mean_abs_diff(up, ref) < 6);
    g_object_unref(ref);
    g_object_unref(up);
    /* The 120x80 GIF is never enlarged, even in xx-large. */
    file = cache_file(f, "xx-large", "formats/anim.gif");
    VipsImage *gif = load(file);
    g_free(file);
    assert_int_equal(gif->Xsize, 120);
    assert_int_equal(gif->Ysize, 80);
    assert_string_equal(text_key(gif, "Thumb::Mimetype"), "image/gif");
    g_object_unref(gif);
}

/* A rerun writes nothing and does not try the failures again; a touched source (new mtime) is
 * remade, and a touched failure is tried again. */
static void rerun_and_touch(void **state)
{
    fixture_t *f = *state;
    expect_all(f, tg_fdo(f, NULL, NULL), 1, f->tree.ngood, 0);
    gnome_accepts(f, "thumb", "normal,large", f->tree.good, (size_t)f->tree.ngood);
    char *before = cache_listing(f);
    proc_result_t r = tg_fdo(f, NULL, NULL);
    assert_non_null(strstr(r.err, "bad/truncated.jpg: failed before and has not changed since"));
    expect_all(f, r, 1, 0, f->tree.ngood);
    char *after = cache_listing(f);
    assert_string_equal(before, after);
    g_free(after);
    g_free(before);

    /* Touch one good and one bad source: new mtimes. */
    char *touched[] = {"photos/orientation/Landscape_2.jpg", "bad/truncated.jpg"};
    for (int i = 0; i < 2; i++) {
        const char *path = at(f->src, touched[i]);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        set_mtime(path, st.st_mtim.tv_sec + 100);
    }
    gnome_accepts(f, "stale", "normal,large", touched, 1);
    r = tg_fdo(f, NULL, NULL);
    assert_non_null(strstr(r.err, "bad/truncated.jpg: cannot read image"));
    expect_all(f, r, 1, 1, f->tree.ngood - 1);
    gnome_accepts_all(f, "normal,large");

    expect_all(f, tg_fdo(f, "--force", NULL), 1, f->tree.ngood, 0);
}

/* --prune removes the entries (both flavours, and the failure entry) of sources deleted from
 * SRC: GNOME's factory then finds none for them and still finds the others'; an entry for a
 * deleted file outside SRC stays. */
static void prune_cache(void **state)
{
    fixture_t *f = *state;
    char elsewhere[256];
    FMT(elsewhere, "%s/elsewhere", test_dirs.root);
    shf("mkdir -p '%s' && cp '%s/formats/grey.jpg' '%s/'", elsewhere, TESTDATA, elsewhere);
    tg_expect(0, BIN, "--freedesktop", elsewhere, "--quiet", NULL);
    fixture_t there = *f;
    there.src = elsewhere;
    char *outside_entry = cache_file(&there, "normal", "grey.jpg");
    expect_all(f, tg_fdo(f, NULL, NULL), 1, f->tree.ngood, 0);

    char *gone_good = "photos/orientation/Landscape_2.jpg", *gone_bad = "bad/truncated.jpg";
    char *fail_entry = cache_file(f, FAIL_DIR, gone_bad);
    assert_int_equal(access(fail_entry, F_OK), 0);
    char *deleted[] = {gone_good, gone_bad};
    for (int i = 0; i < 2; i++)
        assert_int_equal(unlink(at(f->src, deleted[i])), 0);
    assert_int_equal(unlink(at(elsewhere, "grey.jpg")), 0);
    proc_result_t r = tg_fdo(f, "--prune", NULL);
    assert_non_null(strstr(r.err, ", 3 removed")); /* normal, large, and the failure entry */
    proc_result_free(&r);
    gnome_accepts(f, "gone", "normal,large", deleted, 1);
    assert_int_equal(access(fail_entry, F_OK), -1);
    assert_int_equal(access(outside_entry, F_OK), 0);
    g_free(fail_entry);
    g_free(outside_entry);
    tg_tree_t now;
    tree_list(f->src, &now);
    gnome_accepts(f, "thumb", "normal,large", now.good, (size_t)now.ngood);
    tree_free(&now);
}

/* The cache names thumbnails by their source's URI, so sources that would clash in a folder store
 * (a.png, a.gif, a.webp: all a.jpg there) each get theirs, and the run exits 0. */
static void clashing_names_all_cached(void **state)
{
    fixture_t *f = *state;
    char dir[300];
    FMT(dir, "%s/clash", test_dirs.root);
    shf("mkdir '%s' && cp '%s/formats/alpha.png' '%s/a.png' && cp '%s/formats/anim.gif' "
        "'%s/a.gif' && cp '%s/formats/photo.webp' '%s/a.webp'",
        dir, f->src, dir, f->src, dir, f->src, dir);
    proc_result_t r = tg_run(BIN, "--freedesktop", dir, NULL);
    assert_null(strstr(r.err, "belongs to"));
    expect_run(r, 0, 3, 0, 0, 0);
    char *names[] = {"a.png", "a.gif", "a.webp"};
    fixture_t in_dir = *f;
    in_dir.src = dir;
    gnome_accepts(&in_dir, "thumb", "normal,large", names, 3);
    gnome_accepts(&in_dir, "gio", "-", names, 3);
}

/* A symlinked ~/Pictures (ROOT/Pictures -> the real folder, as with a second disk), given as
 * ROOT/x/../Pictures (issue 28, case 6): the entries are keyed by the path as GLib names it
 * (absolute, ".." resolved in the text, the symlink kept), so GNOME's factory and GIO find every
 * one browsing ROOT/Pictures, failure entries included; browsing the resolved path finds none of
 * them (the README says so). A rerun finds them up to date, and --prune removes a deleted file's
 * by that name. */
static void symlinked_src(void **state)
{
    fixture_t *f = *state;
    char link[256], given[300], dir[300];
    FMT(link, "%s/Pictures", test_dirs.root);
    assert_int_equal(symlink(f->src, link), 0);
    FMT(dir, "%s/x", test_dirs.root);
    assert_int_equal(mkdir(dir, 0755), 0);
    FMT(given, "%s/x/../Pictures", test_dirs.root);
    expect_all(f, tg_run(BIN, "--freedesktop", given, "-j", "2", NULL), 1, f->tree.ngood, 0);
    fixture_t browsed = *f;
    browsed.src = link;
    gnome_accepts_all(&browsed, "normal,large");
    gnome_accepts(f, "stale", "normal,large", f->tree.good, (size_t)f->tree.ngood);

    expect_all(f, tg_run(BIN, "--freedesktop", given, "-j", "2", NULL), 1, 0, f->tree.ngood);
    char *deleted[] = {"photos/orientation/Landscape_2.jpg"};
    assert_int_equal(unlink(at(link, deleted[0])), 0);
    proc_result_t r = tg_run(BIN, "--freedesktop", link, "--prune", NULL);
    assert_non_null(strstr(r.err, ", 2 removed")); /* normal and large */
    proc_result_free(&r);
    gnome_accepts(&browsed, "gone", "normal,large", deleted, 1);
}

/* A source that failed and was then made (replaced by a good picture) loses its failure entry:
 * the cache keeps nothing of a failure that is no more (issue 28, case 7). */
static void made_after_failing(void **state)
{
    fixture_t *f = *state;
    char *rel[] = {"bad/truncated.jpg"};
    char path[400];
    FMT(path, "%s/%s", f->src, rel[0]);
    expect_all(f, tg_fdo(f, NULL, NULL), 1, f->tree.ngood, 0);
    char *fail_entry = cache_file(f, FAIL_DIR, rel[0]);
    assert_int_equal(access(fail_entry, F_OK), 0);
    /* a time of its own: never the failure's */
    shf("cp '%s/formats/grey.jpg' '%s' && touch -d '2001-01-01' '%s'", TESTDATA, path, path);
    proc_result_t r = tg_fdo(f, NULL, NULL);
    assert_non_null(strstr(r.err, "thumbgen: 1 made, "));
    proc_result_free(&r);
    gnome_accepts(f, "thumb", "normal,large", rel, 1);
    assert_int_equal(access(fail_entry, F_OK), -1);
    g_free(fail_entry);
}

/* Usage and setup errors name what is wrong, and write nothing. */
static void refusals(void **state)
{
    fixture_t *f = *state;
    char inside[300];
    FMT(inside, "%s/normal", f->thumbs);
    mkdir(f->cache, 0700);
    mkdir(f->thumbs, 0700);
    mkdir(inside, 0700);
    const struct {
        const char *a[4];
        const char *says;
    } cases[] = {
        {{"--crop", "centre", f->src, NULL}, "--crop cannot be used with --freedesktop"},
        {{"-f", "webp", f->src, NULL}, "-f cannot be used with --freedesktop"},
        {{"--name", "%s.%e", f->src, NULL}, "--name cannot be used with --freedesktop"},
        {{"-s", "256", f->src, NULL}, "bad value '256' for -s: expected flavours"},
        {{"s3://bucket/photos", NULL}, "--freedesktop needs a local SRC"},
        {{inside, NULL}, "is inside the thumbnail cache"},
        {{f->src, "out", NULL}, "too many arguments"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *const *a = cases[i].a;
        proc_result_t r = tg_run(BIN, "--freedesktop", a[0], a[1], a[2], a[3], NULL);
        assert_int_equal(count_lines(r.err), 1);
        expect_says(r, 2, cases[i].says);
    }
    /* DST freedesktop: is --freedesktop, its checks included. (Before: a 256/ folder in the
     * cache.) */
    expect_says(tg_run(BIN, f->src, "freedesktop:", "-s", "256", NULL), 2,
                "bad value '256' for -s: expected flavours");
    char *empty = cache_listing(f);
    assert_string_equal(empty, "");
    g_free(empty);
    /* No cache to be found: neither XDG_CACHE_HOME nor HOME. */
    expect_says(tg_run("/usr/bin/env", "-u", "HOME", "-u", "XDG_CACHE_HOME", BIN, "--freedesktop",
                       f->src, NULL),
                2, "cannot tell where the thumbnail cache is");
}

int main(void)
{
    if (VIPS_INIT("test_cli_freedesktop"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(gnome_accepts_every_flavour, setup, teardown),
        cmocka_unit_test_setup_teardown(rerun_and_touch, setup, teardown),
        cmocka_unit_test_setup_teardown(prune_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(clashing_names_all_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(symlinked_src, setup, teardown),
        cmocka_unit_test_setup_teardown(made_after_failing, setup, teardown),
        cmocka_unit_test_setup_teardown(refusals, setup, teardown),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
