/* End-to-end tests of `thumbgen SRC DST`'s usage and setup errors: status 2, one line naming what
 * is wrong, nothing made; on a copy of testdata/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN
typedef tg_dirs_t fixture_t;

/* Usage and setup errors: status 2, one line, nothing made. */
static void usage_and_setup_errors(void **state)
{
    fixture_t *f = *state;
    char file_as_dst[256];
    snprintf(file_as_dst, sizeof file_as_dst, "%s/formats/scan.tif/sub", f->src);
    struct {
        const char *a[6];
    } cases[] = {
        {{"--size", "0", f->src, f->dst, NULL}},
        {{"--crop", "sideways", f->src, f->dst, NULL}},
        {{"-q", "101", f->src, f->dst, NULL}},
        {{"--format", "bmp", f->src, f->dst, NULL}},
        {{"--bogus", f->src, f->dst, NULL}},
        {{f->src, NULL}},
        {{"/nonexistent/src", f->dst, NULL}},
        {{f->src, file_as_dst, NULL}},
        {{f->src, f->src, NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char **a = cases[i].a;
        proc_result_t r = tg_run(BIN, a[0], a[1], a[2], a[3], a[4], NULL);
        assert_int_equal(r.status, 2);
        assert_int_equal(count_lines(r.err), 1);
        assert_memory_equal(r.err, "thumbgen: ", 10);
        proc_result_free(&r);
    }
    /* Templates that cannot name a file in its folder are usage errors. */
    const char *bad[] = {"a/%s", "%q%s", "thumb", "%s%", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        proc_result_t r = tg_run(BIN, f->src, f->dst, "--name", bad[i], NULL);
        assert_non_null(strstr(r.err, "for --name"));
        expect_says(r, 2, "bad value");
    }
    assert_int_equal(access(f->dst, F_OK), -1);
    /* The message names the option, however the value was given. */
    const char *named[][4] = {{"-q", "101", "'101' for -q", NULL},
                              {"--max-memory", "100", "'100' for --max-memory", NULL},
                              {"--timeout=0", NULL, "'0' for --timeout", NULL}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        proc_result_t r = named[i][1] ? tg_run(BIN, named[i][0], named[i][1], f->src, f->dst, NULL)
                                      : tg_run(BIN, named[i][0], f->src, f->dst, NULL);
        expect_says(r, 2, named[i][2]);
    }
    proc_result_t r = tg_run(BIN, "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--max-pixels"));
    proc_result_free(&r);
}

/* No arguments: a short usage (at most 10 lines, on stderr) that points to --help, status 2;
 * --help still prints everything, on stdout. */
static void no_arguments(void **state)
{
    (void)state;
    char *argv[] = {BIN, NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    assert_true(count_lines(r.err) >= 2 && count_lines(r.err) <= 10);
    assert_memory_equal(r.err, "Usage: thumbgen SRC DST [options]\n", 34);
    assert_non_null(strstr(r.err, "thumbgen --help"));
    assert_null(strstr(r.err, "--max-pixels")); /* the full list is --help's */
    proc_result_free(&r);
    r = tg_run(BIN, "--help", NULL);
    assert_int_equal(r.status, 0);
    assert_true(count_lines(r.out) > 100);
    assert_string_equal(r.err, "");
    proc_result_free(&r);
}

int main(void)
{
    if (VIPS_INIT("test_cli_usage"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(usage_and_setup_errors, setup_testdata, teardown_dirs),
        cmocka_unit_test(no_arguments),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
