/* End-to-end tests of "never a stale thumbnail" (docs/DESIGN.md, "Identity and order"): an output
 * records the identity of the source it was made from, and is up to date only while that source
 * is still the same; a result is written only if its source is still what the job read, and a
 * source that vanished before its turn is skipped as gone. Events are driven deterministically:
 * thumbgen-testhooks holds a decoder until the test opens a FIFO, and the manifest, read from a
 * FIFO as it is written, says when each step has happened. No sleeps. */
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
#include <sys/xattr.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"
#include "watcher.h"

#define BIN THUMBGEN_BIN
#define HOOKS THUMBGEN_HOOKS_BIN

static bool seconds_dst; /* DST is a mounted filesystem of whole seconds */

/* What the cases of a test run under several names vary, handed over as its state. */
typedef struct {
    bool same_mtime, cache, moved;
} variant_t;
static variant_t v_plain, v_same_mtime = {.same_mtime = true}, v_cached = {.cache = true},
                          v_moved = {.moved = true},
                          v_moved_cached = {.cache = true, .moved = true};

/* Case 10 of issue 28: a.gif owns a.jpg over a.png; a.gif is deleted; a rerun with --prune must
 * have a.png, the name's new owner, remake a.jpg, since a.jpg records that a.gif made it. With
 * same_mtime both sources carry one timestamp (a camera's RAW+JPEG pair), so no comparison of
 * times can tell them apart. */
static void clash_owner_gone(void **state)
{
    bool same_mtime = ((const variant_t *)*state)->same_mtime;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    write_black(at(src, "a.gif"), 80, 40, same_mtime ? 1600000000 : 0);
    write_black(at(src, "a.png"), 50, 50, same_mtime ? 1600000000 : 0);
    expect_run(tg_run(BIN, src, dst, NULL), 0, 1, 0, 1, 0);
    expect_size(at(dst, "a.jpg"), 80, 40);
    assert_int_equal(unlink(at(src, "a.gif")), 0);
    expect_run(tg_run(BIN, src, dst, "--prune", NULL), 0, 1, 0, 0, 0);
    expect_size(at(dst, "a.jpg"), 50, 50);
    proc_result_t r =
        tg_run(BIN, src, dst, "--prune", NULL); /* and now it is a.png's, up to date */
    expect_run(r, 0, 0, 1, 0, 0);
}

/* A source whose content is replaced by an older file's (cp -p, tar x, touch -d: its mtime goes
 * back) is remade: up to date means equal, not "not older". */
static void older_replacement_remakes(void **state)
{
    (void)state;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    write_black(at(src, "p.png"), 60, 30, 0);
    tg_expect(0, BIN, src, dst, NULL);
    write_black(at(test_dirs.root, "old.png"), 30, 60, 1500000000);
    shf("cp -p '%s' '%s'", at(test_dirs.root, "old.png"), at(src, "p.png"));
    expect_run(tg_run(BIN, src, dst, NULL), 0, 1, 0, 0, 0);
    expect_size(at(dst, "p.jpg"), 30, 60);
}

/* Where DST's filesystem keeps only whole seconds (ext4 with 128-byte inodes, loop-mounted: root,
 * as in CI; skipped with a message elsewhere), the identity travels in the user.thumbgen.src xattr
 * alone: a clash owner changed at one mtime and an older replacement are still remade; a date
 * outside FAT's span is kept. */
static int setup_seconds_dst(void **state)
{
    setup_dirs(state);
    char cmd[1024];
    FMT(cmd,
        "truncate -s 8M '%s/fs.img' && mkfs.ext4 -q -I 128 '%s/fs.img' >/dev/null 2>&1 && "
        "mount -o loop '%s/fs.img' '%s' 2>/dev/null",
        test_dirs.root, test_dirs.root, test_dirs.root, test_dirs.dst);
    mkdir(test_dirs.dst, 0777);
    seconds_dst = system(cmd) == 0;
    return 0;
}

static int teardown_seconds_dst(void **state)
{
    char cmd[600];
    FMT(cmd, "umount '%s'", test_dirs.dst);
    if (seconds_dst && system(cmd) != 0)
        return -1;
    return watcher_teardown_dirs(state);
}

static void identity_without_nanoseconds(void **state)
{
    if (!seconds_dst) {
        print_message("skipped: cannot loop-mount an ext4 image here (needs root)\n");
        skip();
    }
    clash_owner_gone(state); /* state: v_same_mtime */
    struct stat st;
    char id[512];
    assert_int_equal(stat(at(test_dirs.dst, "a.jpg"), &st), 0);
    assert_int_equal(st.st_mtim.tv_nsec, 0); /* whole seconds: no hash in the nanoseconds */
    ssize_t n = getxattr(at(test_dirs.dst, "a.jpg"), "user.thumbgen.src", id, sizeof id - 1);
    assert_true(n > 0);
    id[n] = '\0';
    assert_non_null(strstr(id, "a.png"));
    assert_int_equal(unlink(at(test_dirs.src, "a.png")), 0);
    assert_int_equal(unlink(at(test_dirs.dst, "a.jpg")), 0);
    older_replacement_remakes(state);
    /* A photo dated 1975 keeps its date here: only FAT's span needs folding (store_kept_time). */
    set_mtime(at(test_dirs.src, "p.png"), 170000000);
    expect_run(tg_run(BIN, test_dirs.src, test_dirs.dst, NULL), 0, 1, 0, 0, 0);
    assert_int_equal(stat(at(test_dirs.dst, "p.jpg"), &st), 0);
    assert_int_equal(st.st_mtim.tv_sec, 170000000);
}

/* Starts thumbgen-testhooks SRC DST -j 1 on c.png (up to date), b.png (new) and 0-hold.png,
 * which holds the only decoder until the descriptor returned is closed; returns once c.png's
 * line says the lister has passed b.png (listed, not yet opened). */
static int hold_after_listing(watcher_t *w)
{
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    write_black(at(src, "c.png"), 20, 20, 0);
    tg_expect(0, BIN, src, dst, NULL);
    char fifo[256];
    FMT(fifo, "%s/release", test_dirs.root);
    shf("mkfifo '%s' && printf 'TGFAULT hold %s' > '%s/0-hold.png'", fifo, fifo, src);
    write_black(at(src, "b.png"), 20, 20, 0);
    char *argv[] = {HOOKS, (char *)src, (char *)dst, "-j", "1", NULL};
    watcher_start(w, test_dirs.root, argv);
    int hold = open(fifo, O_WRONLY | O_CLOEXEC); /* returns once the decoder is held */
    assert_true(hold >= 0);
    expect(w, "c.png\"", "\"up_to_date\"", NULL);
    return hold;
}

/* Case 5 of issue 28: a file deleted after it was listed but before a worker opened it is
 * skipped with "reason":"gone", not failed: no error line, no exit status of its own. The only
 * decoder is held on the first file; c.png's up-to-date line says the lister has passed b.png. */
static void gone_before_its_turn(void **state)
{
    (void)state;
    watcher_t w;
    int hold = hold_after_listing(&w);
    assert_int_equal(unlink(at(test_dirs.src, "b.png")), 0);
    close(hold);
    expect(&w, "b.png\"", "\"skipped\"", "\"reason\":\"gone\"", NULL);
    char *err = NULL;
    int status = watcher_finish(&w, &err);
    assert_int_equal(status, 1); /* 0-hold.png, which is no image, alone */
    expect_summary(err, 0, 1, 1, 1);
    assert_null(strstr(err, "b.png"));
    free(err);
}

/* A failure record that lands after its source was listed (an older job's, under --watch) is
 * removed when the source is made all the same: the lister, which saw none, is not asked. Here
 * the record appears while the only decoder is held, after c.png's line says b.png was listed. */
static void record_after_listing_goes(void **state)
{
    (void)state;
    watcher_t w;
    int hold = hold_after_listing(&w);
    shf("printf 'b.png: an older verdict\\n' > '%s/.thumbgen-failed.b.png'", test_dirs.dst);
    close(hold);
    expect(&w, "b.png\"", "\"made\"", NULL);
    assert_int_equal(watcher_finish(&w, NULL), 1); /* 0-hold.png, which is no image, alone */
    struct stat st;
    assert_int_equal(stat(at(test_dirs.dst, "b.jpg"), &st), 0);
    if (lstat(at(test_dirs.dst, ".thumbgen-failed.b.png"), &st) == 0)
        fail_msg("b.png was made, but the record that landed after it was listed stayed");
}

/* ---- --watch: a job held in its decoder while the file changes again (thumbgen-testhooks) */

#define CHECK "/usr/bin/python3", FREEDESKTOP_DIR "/gnome_check.py"

/* Runs gnome_check.py MODE FLAVOURS PATH; fails the test unless GNOME accepts. */
static void gnome(const char *mode, const char *flavours, const char *path)
{
    run_ok((char *[]){CHECK, (char *)mode, (char *)flavours, (char *)path, NULL});
}

/* Starts thumbgen-testhooks SRC DST --watch -j 2 (the cache instead of DST with cache, in a
 * cache of the test's own), plus --prune with prune, and reads to its "watching" line. */
static void watch(watcher_t *w, bool cache, bool prune)
{
    char xdg[256];
    FMT(xdg, "%s/cache", test_dirs.root);
    setenv("XDG_CACHE_HOME", xdg, 1);
    char *argv[] = {HOOKS,
                    test_dirs.src,
                    cache ? "--freedesktop" : test_dirs.dst,
                    "--watch",
                    "-j",
                    "2",
                    prune ? "--prune" : NULL,
                    NULL};
    watcher_start(w, test_dirs.root, argv);
    expect(w, "\"status\":\"watching\"", NULL);
}

/* SRC/photo.png arrives as a new name of ROOT/keep (a hard link: taken at once), whose bytes hold
 * the decoder that opens it until the FIFO ROOT/release is opened. Returns once that job is held,
 * with the FIFO's write end (close it to release the job); keep then gets a real w x h PNG, so
 * the held job, released, makes a real thumbnail of what it opened: the photo's old version. */
static int arrive_held(int w, int h)
{
    char fifo[256];
    FMT(fifo, "%s/release", test_dirs.root);
    shf("mkfifo '%s' && printf 'TGFAULT hold %s' > '%s/keep'", fifo, fifo, test_dirs.root);
    assert_int_equal(link(at(test_dirs.root, "keep"), at(test_dirs.src, "photo.png")), 0);
    int hold = open(fifo, O_WRONLY | O_CLOEXEC); /* returns once the decoder is held */
    assert_true(hold >= 0);
    write_png(at(test_dirs.root, "keep"), w, h); /* the same file: no event in SRC */
    return hold;
}

/* The cache entry (normal flavour) a made line names. */
static void entry_of(const char *line, char *path, size_t n)
{
    const char *d = strstr(line, "\"dst\":\"");
    assert_non_null(d);
    d += 7;
    snprintf(path, n, "%.*s", (int)(strchr(d, '"') - d), d);
}

/* Case 1 of issue 28, a double save: an editor writes photo.png twice by renaming a temporary
 * file over it; the first save's job is slow (held), the second's is made first. The first's
 * result must be dropped (superseded), so the thumbnail shows the second save, in DST and in the
 * cache, where GIO must accept the entry. */
static void double_save(void **state)
{
    bool cache = ((const variant_t *)*state)->cache;
    watcher_t w;
    watch(&w, cache, false);
    int hold = arrive_held(80, 40);
    write_png(at(test_dirs.root, ".t2"), 30, 30); /* the second save */
    assert_int_equal(rename(at(test_dirs.root, ".t2"), at(test_dirs.src, "photo.png")), 0);
    char entry[512];
    entry_of(expect(&w, "photo.png\"", "\"made\"", "\"width\":30", NULL), entry, sizeof entry);
    close(hold);
    const char *line = expect(&w, "photo.png\"", NULL);
    if (strstr(line, "\"reason\":\"superseded\"") == NULL)
        fail_msg("the first save's result was not dropped: %s", line);
    free(stop(&w));
    expect_size(cache ? entry : at(test_dirs.dst, "photo.jpg"), 30, 30);
    if (cache)
        gnome("gio", "-", at(test_dirs.src, "photo.png"));
}

/* Case 2 of issue 28: times set right after writing (cp; touch -d, as tar x and cp -p do): the
 * job that read the file before its mtime was set is superseded, and the cache entry carries the
 * final mtime, which GIO and GNOME's factory accept. */
static void touch_after_write(void **state)
{
    (void)state;
    watcher_t w;
    watch(&w, true, false);
    int hold = arrive_held(40, 40);
    shf("touch -d 2020-05-05 '%s'", at(test_dirs.src, "photo.png"));
    close(hold);
    char entry[512];
    entry_of(expect(&w, "photo.png\"", "\"made\"", NULL), entry, sizeof entry);
    free(stop(&w));
    assert_int_equal(seen_count(&w, "photo.png\"", "\"made\""), 1);
    gnome("gio", "-", at(test_dirs.src, "photo.png"));
    gnome("thumb", "normal,large", at(test_dirs.src, "photo.png"));
    expect_size(entry, 40, 40);
}

/* Case 3 of issue 28: a photo deleted right after it arrives (its job in flight) keeps no
 * thumbnail, in DST or in the cache (--prune, the README's service): the job's result is dropped
 * as gone. With moved, the photo is renamed instead (an import tool's temporary name): the new
 * name is made from the same file while the old name's job is held, and the old name's result is
 * dropped as gone. A later line (marker.png's, or the new name's) says the event was handled
 * before the job is released. */
static void gone_in_flight(void **state)
{
    const variant_t *v = *state;
    bool cache = v->cache, moved = v->moved;
    watcher_t w;
    watch(&w, cache, true);
    int hold = arrive_held(40, 40);
    const char *later = moved ? "renamed.png" : "marker.png";
    if (moved)
        assert_int_equal(rename(at(test_dirs.src, "photo.png"), at(test_dirs.src, later)), 0);
    else {
        assert_int_equal(unlink(at(test_dirs.src, "photo.png")), 0);
        write_png(at(test_dirs.src, later), 10, 10);
    }
    char entry[512], needle[64];
    FMT(needle, "%s\"", later);
    entry_of(expect(&w, needle, "\"made\"", NULL), entry, sizeof entry);
    close(hold);
    const char *line = expect(&w, "photo.png\"", NULL);
    if (strstr(line, "\"reason\":\"gone\"") == NULL)
        fail_msg("the %s photo's result was not dropped: %s", moved ? "renamed" : "deleted", line);
    free(stop(&w));
    if (cache) {
        gnome("gone", "normal,large", at(test_dirs.src, "photo.png"));
        assert_int_equal(count_outputs(at(test_dirs.root, "cache/thumbnails"), ".png"), 2);
    } else {
        assert_int_equal(count_outputs(test_dirs.dst, ".jpg"), 1); /* the later one's alone */
    }
    if (moved)
        expect_size(cache ? entry : at(test_dirs.dst, "renamed.jpg"), 40, 40);
}

int main(void)
{
#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup_dirs, watcher_teardown_dirs)
#define VARIANT(name, fn, v) #name, fn, setup_dirs, watcher_teardown_dirs, &v /* in braces */
    const struct CMUnitTest tests[] = {
        {VARIANT(clash_owner_gone_remakes, clash_owner_gone, v_plain)},
        {VARIANT(clash_owner_gone_same_mtime, clash_owner_gone, v_same_mtime)},
        TEST(older_replacement_remakes),
        {"identity_without_nanoseconds", identity_without_nanoseconds, setup_seconds_dst,
         teardown_seconds_dst, &v_same_mtime},
        TEST(gone_before_its_turn),
        TEST(record_after_listing_goes),
        {VARIANT(double_save_keeps_the_last, double_save, v_plain)},
        {VARIANT(double_save_keeps_the_last_cached, double_save, v_cached)},
        TEST(touch_after_write),
        {VARIANT(deleted_in_flight_leaves_nothing, gone_in_flight, v_plain)},
        {VARIANT(deleted_in_flight_leaves_nothing_cached, gone_in_flight, v_cached)},
        {VARIANT(renamed_in_flight_keeps_the_new_name, gone_in_flight, v_moved)},
        {VARIANT(renamed_in_flight_keeps_the_new_name_cached, gone_in_flight, v_moved_cached)},
    };
    if (VIPS_INIT("test_cli_ident"))
        return 1;
    vips_cache_set_max(0); /* a file loaded again is read again */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
