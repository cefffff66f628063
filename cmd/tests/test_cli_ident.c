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
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"
#include "watcher.h"

#define BIN THUMBGEN_BIN
#define HOOKS THUMBGEN_HOOKS_BIN

static int teardown(void **state)
{
    if (watcher_running > 0)
        kill(watcher_running, SIGKILL);
    watcher_running = 0;
    return teardown_dirs(state);
}

/* A black w x h image at path, in the format its extension names. */
static void save(const char *path, int w, int h)
{
    VipsImage *im;
    assert_int_equal(vips_black(&im, w, h, "bands", 3, NULL), 0);
    assert_int_equal(vips_image_write_to_file(im, path, NULL), 0);
    g_object_unref(im);
}

/* Fails unless the image at path is w x h. */
static void expect_size(const char *path, int w, int h)
{
    VipsImage *im = load(path);
    int gw = vips_image_get_width(im), gh = vips_image_get_height(im);
    g_object_unref(im);
    if (gw != w || gh != h)
        fail_msg("%s is %dx%d, not %dx%d", path, gw, gh, w, h);
}

/* Sets path's access and modification times to secs (and 0 ns). */
static void set_mtime(const char *path, time_t secs)
{
    struct timespec ts[2] = {{.tv_sec = secs}, {.tv_sec = secs}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Case 10 of issue 28: a.gif owns a.jpg over a.png; a.gif is deleted; a rerun with --prune must
 * have a.png, the name's new owner, remake a.jpg, since a.jpg records that a.gif made it. With
 * same_mtime both sources carry one timestamp (a camera's RAW+JPEG pair), so no comparison of
 * times can tell them apart. */
static void clash_owner_gone(bool same_mtime)
{
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    save(at(src, "a.gif"), 80, 40);
    save(at(src, "a.png"), 50, 50);
    if (same_mtime) {
        set_mtime(at(src, "a.gif"), 1600000000);
        set_mtime(at(src, "a.png"), 1600000000);
    }
    proc_result_t r = tg_run(BIN, src, dst, NULL);
    assert_int_equal(r.status, 0);
    expect_summary(r.err, 1, 0, 1, 0);
    proc_result_free(&r);
    expect_size(at(dst, "a.jpg"), 80, 40);
    assert_int_equal(unlink(at(src, "a.gif")), 0);
    r = tg_run(BIN, src, dst, "--prune", NULL);
    assert_int_equal(r.status, 0);
    expect_summary(r.err, 1, 0, 0, 0);
    proc_result_free(&r);
    expect_size(at(dst, "a.jpg"), 50, 50);
    r = tg_run(BIN, src, dst, "--prune", NULL); /* and now it is a.png's, up to date */
    assert_int_equal(r.status, 0);
    expect_summary(r.err, 0, 1, 0, 0);
    proc_result_free(&r);
}

static void clash_owner_gone_remakes(void **state)
{
    (void)state;
    clash_owner_gone(false);
}

static void clash_owner_gone_same_mtime(void **state)
{
    (void)state;
    clash_owner_gone(true);
}

/* A source whose content is replaced by an older file's (cp -p, tar x, touch -d: its mtime goes
 * back) is remade: up to date means equal, not "not older". */
static void older_replacement_remakes(void **state)
{
    (void)state;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    save(at(src, "p.png"), 60, 30);
    proc_result_t r = tg_run(BIN, src, dst, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    save(at(test_dirs.root, "old.png"), 30, 60);
    set_mtime(at(test_dirs.root, "old.png"), 1500000000);
    char cmd[1024];
    FMT(cmd, "cp -p '%s' '%s'", at(test_dirs.root, "old.png"), at(src, "p.png"));
    sh(cmd);
    r = tg_run(BIN, src, dst, NULL);
    assert_int_equal(r.status, 0);
    expect_summary(r.err, 1, 0, 0, 0);
    proc_result_free(&r);
    expect_size(at(dst, "p.jpg"), 30, 60);
}

/* Case 5 of issue 28: a file deleted after it was listed but before a worker opened it is
 * skipped with "reason":"gone", not failed: no error line, no exit status of its own. The only
 * decoder is held on the first file; c.png's up-to-date line says the lister has passed b.png. */
static void gone_before_its_turn(void **state)
{
    (void)state;
    const char *src = test_dirs.src, *dst = test_dirs.dst;
    save(at(src, "c.png"), 20, 20);
    proc_result_t r = tg_run(BIN, src, dst, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    char fifo[256], cmd[1024];
    FMT(fifo, "%s/release", test_dirs.root);
    FMT(cmd, "mkfifo '%s' && printf 'TGFAULT hold %s' > '%s/0-hold.png'", fifo, fifo, src);
    sh(cmd);
    save(at(src, "b.png"), 20, 20);
    watcher_t w;
    char *argv[] = {HOOKS, (char *)src, (char *)dst, "-j", "1", NULL};
    watcher_start(&w, test_dirs.root, argv);
    int hold = open(fifo, O_WRONLY | O_CLOEXEC); /* returns once the decoder is held */
    assert_true(hold >= 0);
    expect(&w, "c.png\"", "\"up_to_date\"", NULL);
    assert_int_equal(unlink(at(src, "b.png")), 0);
    close(hold);
    expect(&w, "b.png\"", "\"skipped\"", "\"reason\":\"gone\"", NULL);
    char *err = NULL;
    int status = watcher_finish(&w, &err);
    assert_int_equal(status, 1); /* 0-hold.png, which is no image, alone */
    expect_summary(err, 0, 1, 1, 1);
    assert_null(strstr(err, "b.png"));
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(clash_owner_gone_remakes, setup_dirs, teardown),
        cmocka_unit_test_setup_teardown(clash_owner_gone_same_mtime, setup_dirs, teardown),
        cmocka_unit_test_setup_teardown(older_replacement_remakes, setup_dirs, teardown),
        cmocka_unit_test_setup_teardown(gone_before_its_turn, setup_dirs, teardown),
    };
    if (VIPS_INIT("test_cli_ident"))
        return 1;
    vips_cache_set_max(0); /* a file loaded again is read again */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
