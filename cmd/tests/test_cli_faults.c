/* Hostile trees and destinations, end to end: special files, symlinks, a decompression bomb, a
 * full disk, an unreadable file. Each run must make every good file, report every bad one, never
 * hang, and never write outside DST or leave a partial file. And a run whose threads cannot be
 * set up (injected by thumbgen-testhooks) ends as a setup error, having made nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN
#define PHOTO TESTDATA "/nested/a b/ü deep/été photo 1.jpg"

static tg_dirs_t dirs;
static char *const root = dirs.root, *const src = dirs.src, *const dst = dirs.dst;
static char outside[192];

static int setup(void **state)
{
    (void)state;
    dirs_make(&dirs, "faults");
    FMT(outside, "%s/outside", root);
    mkdir(outside, 0777);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dirs_remove(&dirs);
    return 0;
}

static proc_result_t tg(const char *a, const char *b, const char *c)
{
    char *argv[] = {BIN, src, dst, "--quiet", (char *)a, (char *)b, (char *)c, NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    return r;
}

static void special_files(void **state)
{
    (void)state;
    shf("cd %s && cp '%s' good.jpg && mkdir x.jpg && cp '%s' x.jpg/inner.jpg && "
        "mkfifo fifo.jpg && : > zero.jpg && echo hello > text.jpg && "
        "ln -s loop1.jpg loop2.jpg && ln -s loop2.jpg loop1.jpg && "
        "ln -s /nonexistent/x.jpg dangling.jpg && mkdir sub && ln -s .. sub/up",
        src, PHOTO, PHOTO);
    /* A Unix socket named like an image. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    FMT(sa.sun_path, "%s/sock.jpg", src);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);

    for (int follow = 0; follow < 2; follow++) {
        proc_result_t r = tg("--force", follow ? "--follow-symlinks" : NULL, NULL);
        assert_non_null(strstr(r.err, "text.jpg: not a recognised image format"));
        assert_null(strstr(r.err, "fifo.jpg"));
        assert_null(strstr(r.err, "sock.jpg"));
        assert_null(strstr(r.err, "loop"));
        assert_null(strstr(r.err, "dangling"));
        expect_says(r, 1, "zero.jpg: empty file");
        assert_int_equal(count_outputs(dst, "good.jpg"), 1);
        assert_int_equal(count_outputs(dst, "inner.jpg"), 1); /* sub/up -> .. is not re-entered */
        assert_int_equal(count_outputs(dst, ".thumbgen-"), 0);
    }
    close(fd);
}

/* Symlinks never lead a write outside DST: without --follow-symlinks they are skipped; with it,
 * a linked folder outside SRC (relative or absolute link) is mirrored under DST. */
static void symlinks_stay_inside_dst(void **state)
{
    (void)state;
    shf("cp '%s' %s/far.jpg && ln -s %s %s/abs && ln -s ../outside %s/rel && "
        "ln -s %s/far.jpg %s/file.jpg",
        PHOTO, outside, outside, src, src, outside, src);
    proc_result_t r = tg(NULL, NULL, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    assert_int_equal(count_outputs(dst, ".jpg"), 0);
    r = tg("--follow-symlinks", NULL, NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    /* outside/ is reached twice (abs and rel) but visited once; file.jpg is its own source. */
    assert_int_equal(count_outputs(dst, "far.jpg"), 1);
    assert_int_equal(count_outputs(dst, "file.jpg"), 1);
    assert_int_equal(count_outputs(outside, ".jpg"), 1); /* only the original */
}

/* 30000 x 30000 pixels in about 100 KB: refused from its header, with little memory. */
static void decompression_bomb(void **state)
{
    (void)state;
    shf("cp '%s' %s/fine.jpg", PHOTO, src);
    VipsImage *black;
    assert_int_equal(vips_black(&black, 30000, 30000, NULL), 0);
    char bomb[256];
    FMT(bomb, "%s/bomb.png", src);
    assert_int_equal(vips_pngsave(black, bomb, "compression", 9, "bitdepth", 1, NULL), 0);
    g_object_unref(black);
    struct stat st;
    assert_int_equal(stat(bomb, &st), 0);
    assert_true(st.st_size < 1000000);
    proc_result_t r = tg(NULL, NULL, NULL);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "bomb.png: image too large: 30000x30000 pixels"));
    assert_true(r.maxrss_kb < 200 * 1024); /* decoding it would take 900 MB */
    proc_result_free(&r);
    assert_int_equal(count_outputs(dst, "fine.jpg"), 1);
}

/* Counts the manifest's source lines by status with Python's json (not thumbgen's words): "MADE
 * FAILED NOT_ATTEMPTED LATE" in out, LATE being the not-attempted sources named zz_*. */
static void manifest_counts(int out[4])
{
    shf("python3 -c 'import json,sys\n"
        "rows=[json.loads(l) for l in open(sys.argv[1]) if json.loads(l)[\"src\"]]\n"
        "n=lambda s:sum(r[\"status\"]==s for r in rows)\n"
        "late=sum(r[\"status\"]==\"not_attempted\" and \"/zz_\" in r[\"src\"] for r in rows)\n"
        "print(n(\"made\"),n(\"failed\"),n(\"not_attempted\"),late)' %s > %s/counts",
        dirs.manifest, root);
    char path[192];
    FMT(path, "%s/counts", root);
    assert_int_equal(sscanf(slurp(path), "%d %d %d %d", &out[0], &out[1], &out[2], &out[3]), 4);
}

/* How many lines of s contain part. */
static int lines_with(const char *s, const char *part)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, part)) != NULL; p += strlen(part))
        n++;
    return n;
}

/* A destination that fills up mid-run stops the run: the write that found it full fails, nothing
 * more is decoded (the 20 zz_*.jpg listed last are text, which a decoder would fail on: they are
 * "not attempted" instead), the run says once that the disk is full and how many sources it did
 * not attempt (the summary and the manifest count them), status 1; every output left is whole and
 * no temporary file remains. Once there is room a rerun makes the rest. A watch ends after its
 * pass rather than wait with a full disk. The disk is a real one: a 256 KiB tmpfs, which only root
 * can mount (CI runs as root); elsewhere the test says so and is skipped. ENOSPC from a real
 * filesystem is what is tested, not an injected errno. */
static void full_disk(void **state)
{
    (void)state;
    shf("for i in $(seq -w 1 60); do cp '%s' %s/img$i.jpg; done; "
        "for i in $(seq -w 1 20); do echo 'not a JPEG' > %s/zz_$i.jpg; done",
        TESTDATA "/photos/orientation/Landscape_1.jpg", src, src);
    mkdir(dst, 0777);
    if (mount("tmpfs", dst, "tmpfs", 0, "size=256k") != 0) {
        print_message("skipped: cannot mount a small tmpfs here (%s)\n", strerror(errno));
        skip();
    }
    proc_result_t r =
        tg_run(BIN, src, dst, "-s", "400", "-j", "2", "--manifest", dirs.manifest, NULL);
    if (r.status != 1 || lines_with(r.err, "the disk is full") != 1 ||
        lines_with(r.err, "cannot write") != 1 ||
        strstr(r.err, "not a recognised image format") != NULL)
        fail_msg("status %d, stderr:\n%s", r.status, r.err);
    int c[4];
    manifest_counts(c);
    int made = count_outputs(dst, ".jpg"); /* each one decodes whole */
    assert_true(made > 0 && made < 60);
    assert_int_equal(c[0], made);
    assert_int_equal(c[1], 1);
    assert_int_equal(c[0] + c[1] + c[2], 80);
    assert_int_equal(c[3], 20); /* never decoded */
    char want[160];
    FMT(want, "the disk is full (No space left on device): %d sources not attempted", c[2]);
    assert_non_null(strstr(r.err, want));
    FMT(want, "%d made, 0 up to date, 0 skipped, 1 failed, %d not attempted in ", made, c[2]);
    assert_non_null(strstr(r.err, want));
    proc_result_free(&r);
    assert_int_equal(count_outputs(dst, ".thumbgen-"), 0);

    /* A watch on the full disk ends after its pass, with the same account. */
    r = tg_run(BIN, src, dst, "-s", "400", "--force", "--watch", "--quiet", NULL);
    if (r.status != 1 || lines_with(r.err, "the disk is full") != 1)
        fail_msg("status %d, stderr:\n%s", r.status, r.err);
    proc_result_free(&r);
    assert_int_equal(count_outputs(dst, ".jpg"), made);
    assert_int_equal(count_outputs(dst, ".thumbgen-"), 0);

    /* Room again: the rerun makes what was not made (the text files fail, decoded at last). */
    assert_int_equal(mount("tmpfs", dst, "tmpfs", MS_REMOUNT, "size=16m"), 0);
    r = tg_run(BIN, src, dst, "-s", "400", "--quiet", NULL);
    assert_int_equal(r.status, 1);
    assert_int_equal(lines_with(r.err, "not a recognised image format"), 20);
    proc_result_free(&r);
    assert_int_equal(count_outputs(dst, ".jpg"), 60);
    umount(dst);
}

/* An unreadable file (mode 000) fails with a reason while the others are made. Root reads
 * anything, so the run is made as user nobody with setpriv when we are root. */
static void unreadable_file(void **state)
{
    (void)state;
    shf("cp '%s' %s/ok.jpg && cp '%s' %s/locked.jpg && chmod 000 %s/locked.jpg", PHOTO, src, PHOTO,
        src, src);
    chmod(root, 0777);
    chmod(src, 0777);
    proc_result_t r;
    if (geteuid() == 0) {
        char *probe[] = {"/usr/bin/setpriv", "--reuid=65534",
                         "--regid=65534",    "--clear-groups",
                         "/bin/sh",          "-c",
                         "test -x " BIN,     NULL};
        if (proc_run(probe, &r) != 0 || r.status != 0) {
            proc_result_free(&r);
            print_message("skipped: user nobody cannot run %s\n", BIN);
            skip();
        }
        proc_result_free(&r);
        char *argv[] = {"/usr/bin/setpriv",
                        "--reuid=65534",
                        "--regid=65534",
                        "--clear-groups",
                        BIN,
                        src,
                        dst,
                        "--quiet",
                        NULL};
        assert_int_equal(proc_run(argv, &r), 0);
    } else {
        r = tg(NULL, NULL, NULL);
    }
    expect_says(r, 1, "locked.jpg: cannot open: Permission denied\n");
    assert_int_equal(count_outputs(dst, "ok.jpg"), 1);
    assert_int_equal(count_outputs(dst, "locked.jpg"), 0);
}

/* A stage thread whose set-up fails (a backend's client cannot be made: out of memory) is no
 * Ctrl-C: the run ends with the reason and status 2, before any file is listed, so that nothing
 * is written (not one thumbnail, not one manifest line). */
static void thread_setup_failure(void **state)
{
    (void)state;
    const char *stages[] = {"worker", "writer"};
    for (int i = 0; i < 2; i++) {
        setenv("THUMBGEN_TEST_THREAD_FAULT", stages[i], 1);
        char *argv[] = {THUMBGEN_HOOKS_BIN, TESTDATA "/photos", dst, "-j", "2",
                        "--manifest",       dirs.manifest,      NULL};
        proc_result_t r;
        assert_int_equal(proc_run(argv, &r), 0);
        unsetenv("THUMBGEN_TEST_THREAD_FAULT");
        char want[128];
        FMT(want, "thumbgen: a %s thread cannot be set up (out of memory)\n", stages[i]);
        size_t n = strlen(r.err), k = strlen(want);
        if (r.status != 2 || n < k || strcmp(r.err + n - k, want) != 0)
            fail_msg("status %d, stderr:\n%s", r.status, r.err);
        proc_result_free(&r);
        assert_int_equal(count_outputs(dst, NULL), 0);
        assert_string_equal(slurp(dirs.manifest), "");
    }
}

int main(void)
{
    if (VIPS_INIT("test_cli_faults"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(special_files, setup, teardown),
        cmocka_unit_test_setup_teardown(symlinks_stay_inside_dst, setup, teardown),
        cmocka_unit_test_setup_teardown(decompression_bomb, setup, teardown),
        cmocka_unit_test_setup_teardown(full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(unreadable_file, setup, teardown),
        cmocka_unit_test_setup_teardown(thread_setup_failure, setup, teardown),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
