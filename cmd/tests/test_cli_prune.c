/* End-to-end tests of --prune and --dry-run on a folder DST: sources are deleted and renamed,
 * and a rerun must remove exactly the orphans, leave everything else in DST alone (foreign
 * files, hidden ones, what lies behind a symlink planted there), remove folders left empty, and
 * remove nothing after an interrupted run, under a folder that could not be listed, or past the
 * --prune-max guard. With --shard, the shards split the orphans between them. */
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

#define BIN THUMBGEN_BIN

/* The sources every test starts from, relative to SRC. */
static const char *const SOURCES[] = {"top.png",     "a/one.png",    "a/two.png",
                                      "b/three.png", "b/c/four.png", "b/c/five.png"};
#define NSOURCES (sizeof SOURCES / sizeof SOURCES[0])

static void make_png(const char *path)
{
    char dir[512];
    FMT(dir, "%s", path);
    *strrchr(dir, '/') = '\0';
    shf("mkdir -p '%s'", dir);
    write_black(path, 24, 16, 0);
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* SRC holds SOURCES; a first run makes every thumbnail. */
static int setup(void **state)
{
    setup_dirs(state);
    for (size_t i = 0; i < NSOURCES; i++)
        make_png(at(test_dirs.src, SOURCES[i]));
    tg_expect(0, BIN, test_dirs.src, test_dirs.dst, "-j", "2", "--quiet", NULL);
    assert_int_equal(count_outputs(test_dirs.dst, ".jpg"), (int)NSOURCES);
    return 0;
}

/* The dst of each "removed" line of the manifest, in a newline-separated sorted string. */
static char *removed_lines(const char *manifest)
{
    char cmd[600];
    FMT(cmd,
        "grep '\"status\":\"removed\"' '%s' | sed 's/.*\"dst\":\"\\([^\"]*\\)\".*/\\1/' | sort",
        manifest);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    char *out = strdup(r.out);
    proc_result_free(&r);
    return out;
}

/* Deleted and renamed sources: exactly their thumbnails go; foreign files, hidden files, a
 * symlink planted in DST and what it points to stay; a folder left empty goes. */
static void orphans_go(void **state)
{
    (void)state;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    assert_int_equal(unlink(at(src, "a/one.png")), 0);
    assert_int_equal(rename(at(src, "b/three.png"), at(src, "b/renamed.png")), 0);
    assert_int_equal(unlink(at(src, "b/c/four.png")), 0);
    assert_int_equal(unlink(at(src, "b/c/five.png")), 0);
    shf("mkdir -p '%s/outside' '%s/.cache' && cp '%s/top.jpg' '%s/outside/victim.jpg' && "
        "ln -s '%s/outside/victim.jpg' '%s/a/planted.jpg' && ln -s '%s/outside' '%s/linked' && "
        "echo notes > '%s/a/notes.txt' && cp '%s/top.jpg' '%s/a/other.jpeg' && "
        "cp '%s/top.jpg' '%s/.cache/one.jpg'",
        test_dirs.root, dst, dst, test_dirs.root, test_dirs.root, dst, test_dirs.root, dst, dst,
        dst, dst, dst, dst);

    expect_says(tg_run(BIN, src, dst, "--prune", "--prune-max", "100%", "--manifest",
                       test_dirs.manifest, "-j", "2", NULL),
                0, "1 made, 2 up to date, 0 skipped, 0 failed, 4 removed");
    char *removed = removed_lines(test_dirs.manifest);
    char want[1024];
    FMT(want, "%s/a/one.jpg\n%s/b/c/five.jpg\n%s/b/c/four.jpg\n%s/b/three.jpg\n", dst, dst, dst,
        dst);
    assert_string_equal(removed, want);
    free(removed);
    assert_false(exists(at(dst, "a/one.jpg")));
    assert_true(exists(at(dst, "a/two.jpg")));
    assert_true(exists(at(dst, "b/renamed.jpg")));
    assert_false(exists(at(dst, "b/c"))); /* left empty: removed */
    assert_true(exists(at(dst, "b")));
    assert_true(exists(at(dst, "a/planted.jpg")));
    assert_true(exists(at(test_dirs.root, "outside/victim.jpg")));
    assert_true(exists(at(dst, "a/notes.txt")));
    assert_true(exists(at(dst, "a/other.jpeg")));
    assert_true(exists(at(dst, ".cache/one.jpg")));

    /* A second run finds nothing more to remove. */
    expect_says(tg_run(BIN, src, dst, "--prune", "-j", "2", NULL), 0,
                "0 made, 3 up to date, 0 skipped, 0 failed, 0 removed");
}

/* --dry-run lists what would be made and removed, on stdout, and changes nothing, not even by
 * creating DST. */
static void dry_run_changes_nothing(void **state)
{
    (void)state;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    assert_int_equal(rename(at(src, "a/one.png"), at(src, "a/moved.png")), 0);
    proc_result_t r = tg_run(BIN, src, dst, "--prune", "--dry-run", "-j", "2", NULL);
    assert_int_equal(r.status, 0);
    char want[1024];
    FMT(want, "make %s/a/moved.png -> %s/a/moved.jpg\nremove %s/a/one.jpg\n", src, dst, dst);
    assert_string_equal(r.out, want);
    assert_non_null(strstr(r.err, "dry run: 1 to make, 5 up to date, 0 skipped, 0 failed, 1 to "
                                  "remove; nothing was changed"));
    proc_result_free(&r);
    assert_true(exists(at(dst, "a/one.jpg")));
    assert_false(exists(at(dst, "a/moved.jpg")));
    /* A DST not there yet is not created: every source is to make. */
    char fresh[300];
    FMT(fresh, "%s/new/dst", test_dirs.root);
    expect_says(tg_run(BIN, src, fresh, "--prune", "--dry-run", "-j", "2", NULL), 0,
                "dry run: 6 to make, 0 up to date");
    assert_false(exists(at(test_dirs.root, "new")));
}

/* Pointed at the wrong SRC, --prune refuses past --prune-max (a failure, nothing removed);
 * --force removes them. A count works as a limit too. */
static void guard_stops_a_wrong_src(void **state)
{
    (void)state;
    const char *dst = test_dirs.dst;
    char other[256];
    FMT(other, "%s/other", test_dirs.root);
    make_png(at(other, "top.png")); /* shares one name with SRC: 5 of 6 would go */
    proc_result_t r = tg_run(BIN, other, dst, "--prune", "-j", "2", NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "--prune would remove 5 of the 6 thumbnails there (83%), more "
                                  "than --prune-max 50% allows; nothing removed"));
    proc_result_free(&r);
    assert_int_equal(count_outputs(dst, ".jpg"), (int)NSOURCES);
    expect_says(tg_run(BIN, other, dst, "--prune", "--prune-max", "4", "-j", "2", NULL), 1,
                "more than --prune-max 4 allows");
    tg_expect(0, BIN, other, dst, "--prune", "--prune-max", "5", "-j", "2", NULL);
    assert_int_equal(count_outputs(dst, ".jpg"), 1);
    assert_true(exists(at(dst, "top.jpg")));
}

/* Failure records are not thumbnails to the guard: beside the 6 thumbnails, 6 broken sources'
 * records. With every picture deleted, --prune would take all 6 thumbnails: 100%, refused. Counted
 * with the records it was "6 of the 12 thumbnails there (50%)", allowed, and every thumbnail went.
 * Once the broken sources go too, their records go with them. */
static void guard_counts_thumbnails_only(void **state)
{
    (void)state;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    shf("for n in 1 2 3 4 5 6; do printf 'not a picture' > '%s/broken'$n'.jpg'; done", src);
    proc_result_t r = tg_run(BIN, src, dst, "-j", "2", "--quiet", NULL);
    assert_int_equal(r.status, 1); /* the broken ones failed, each leaving its record */
    proc_result_free(&r);
    shf("test $(ls -A '%s' | grep -c '^\\.thumbgen-failed\\.broken') -eq 6", dst);
    for (size_t i = 0; i < NSOURCES; i++)
        assert_int_equal(unlink(at(src, SOURCES[i])), 0);
    r = tg_run(BIN, src, dst, "--prune", "-j", "2", NULL);
    if (r.status != 1 || strstr(r.err, "--prune would remove 6 of the 6 thumbnails there (100%), "
                                       "more than --prune-max 50% allows; nothing removed") == NULL)
        fail_msg("the guard did not weigh the 6 thumbnails alone (status %d):\n%s", r.status,
                 r.err);
    proc_result_free(&r);
    assert_int_equal(count_outputs(dst, ".jpg"), (int)NSOURCES);
    /* The broken sources gone as well: with --force, everything goes, the records too. */
    shf("rm '%s'/broken*.jpg", src);
    tg_expect(0, BIN, src, dst, "--prune", "--force", "-j", "2", NULL);
    shf("! ls -A '%s' | grep -q thumbgen-failed", dst);
    assert_int_equal(count_outputs(dst, ".jpg"), 0);
}

/* With --force the guard is lifted. */
static void force_lifts_the_guard(void **state)
{
    (void)state;
    char other[256];
    FMT(other, "%s/other", test_dirs.root);
    make_png(at(other, "x.png"));
    expect_says(tg_run(BIN, other, test_dirs.dst, "--prune", "--force", "-j", "2", NULL), 0,
                "6 removed");
    assert_int_equal(count_outputs(test_dirs.dst, ".jpg"), 1);
}

/* Two shards each remove a disjoint part of the orphans, and together all of them. */
static void shards_split_the_orphans(void **state)
{
    (void)state;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    for (size_t i = 1; i < NSOURCES; i++) /* all but top.png */
        assert_int_equal(unlink(at(src, SOURCES[i])), 0);
    char m0[256], m1[256];
    FMT(m0, "%s/m0", test_dirs.root);
    FMT(m1, "%s/m1", test_dirs.root);
    tg_expect(0, BIN, src, dst, "--prune", "--force", "--shard", "0/2", "--manifest", m0, "-j", "2",
              NULL);
    tg_expect(0, BIN, src, dst, "--prune", "--force", "--shard", "1/2", "--manifest", m1, "-j", "2",
              NULL);
    char *a = removed_lines(m0), *b = removed_lines(m1);
    int na = 0, nb = 0;
    for (char *l = strtok(a, "\n"); l != NULL; l = strtok(NULL, "\n"), na++)
        assert_null(strstr(b, l)); /* never both */
    for (char *l = b; (l = strchr(l, '\n')) != NULL; l++)
        nb++;
    free(a);
    free(b);
    assert_int_equal(na + nb, (int)NSOURCES - 1);
    assert_int_equal(count_outputs(dst, ".jpg"), 1);
}

/* A folder that cannot be listed (run as user nobody, since root reads anything): nothing under
 * it is pruned (b/three.jpg, whose source is gone, and b/c's two, whose sources could not be
 * seen), and the run says so, while orphans elsewhere go. */
static void unlisted_folder_keeps_its_thumbnails(void **state)
{
    (void)state;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    assert_int_equal(unlink(at(src, "a/one.png")), 0);
    assert_int_equal(unlink(at(src, "b/three.png")), 0);
    shf("chmod -R a+rwX '%s' && chmod 000 '%s/b'", test_dirs.root, src);
    proc_result_t r;
    if (geteuid() == 0) {
        char *argv[] = {"/usr/bin/setpriv",
                        "--reuid=65534",
                        "--regid=65534",
                        "--clear-groups",
                        BIN,
                        test_dirs.src,
                        test_dirs.dst,
                        "--prune",
                        "--prune-max",
                        "100%",
                        NULL};
        assert_int_equal(proc_run(argv, &r), 0);
    } else {
        r = tg_run(BIN, src, dst, "--prune", "--prune-max", "100%", NULL);
    }
    shf("chmod 755 '%s/b'", src);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/b: Permission denied"));
    assert_non_null(strstr(r.err, "--prune kept 3 thumbnails whose sources may still be there: "
                                  "their folders could not be listed"));
    assert_non_null(strstr(r.err, "1 removed"));
    proc_result_free(&r);
    assert_false(exists(at(dst, "a/one.jpg")));
    assert_true(exists(at(dst, "b/three.jpg")));
    assert_true(exists(at(dst, "b/c/four.jpg")));
}

/* An interrupted run prunes nothing: the decoder is held on a file (a test hook) while SIGINT
 * arrives. */
static void interrupted_run_prunes_nothing(void **state)
{
    (void)state;
    char *src = test_dirs.src, *dst = test_dirs.dst;
    assert_int_equal(unlink(at(src, "a/one.png")), 0);
    char fifo[256];
    FMT(fifo, "%s/release", test_dirs.root);
    shf("mkfifo '%s' && printf 'TGFAULT hold %s' > '%s/0000-hold'", fifo, fifo, src);
    char *argv[] = {THUMBGEN_HOOKS_BIN, src, dst, "--prune", "--prune-max", "100%", "-j", "1",
                    "--quiet",          NULL};
    int out;
    pid_t pid = proc_start(argv, &out);
    assert_true(pid > 0);
    int w = open(fifo, O_WRONLY | O_CLOEXEC); /* returns once the decoder is held */
    assert_true(w >= 0);
    kill(pid, SIGINT);
    proc_result_t r;
    assert_int_equal(proc_finish(pid, out, &r), 0);
    close(w);
    assert_int_equal(r.status, 130);
    proc_result_free(&r);
    assert_true(exists(at(dst, "a/one.jpg")));
}

/* --prune with --files-from is refused: the list is not the whole source; and --prune-max
 * without --prune. */
static void files_from_refused(void **state)
{
    (void)state;
    proc_result_t r =
        tg_run(BIN, test_dirs.src, test_dirs.dst, "--prune", "--files-from", "-", NULL);
    expect_says(r, 2, "--prune cannot be used with --files-from");
    /* --prune-max alone would be silently ignored: refused. */
    expect_says(tg_run(BIN, test_dirs.src, test_dirs.dst, "--prune-max", "10", NULL), 2,
                "--prune-max limits --prune, which was not given");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(orphans_go, setup, teardown_dirs),
        cmocka_unit_test_setup_teardown(dry_run_changes_nothing, setup, teardown_dirs),
        cmocka_unit_test_setup_teardown(guard_stops_a_wrong_src, setup, teardown_dirs),
        cmocka_unit_test_setup_teardown(guard_counts_thumbnails_only, setup, teardown_dirs),
        cmocka_unit_test_setup_teardown(force_lifts_the_guard, setup, teardown_dirs),
        cmocka_unit_test_setup_teardown(shards_split_the_orphans, setup, teardown_dirs),
        cmocka_unit_test_setup_teardown(unlisted_folder_keeps_its_thumbnails, setup, teardown_dirs),
        cmocka_unit_test_setup_teardown(interrupted_run_prunes_nothing, setup, teardown_dirs),
        cmocka_unit_test_setup_teardown(files_from_refused, setup, teardown_dirs),
    };
    if (VIPS_INIT("test_cli_prune"))
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
