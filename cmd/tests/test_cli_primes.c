/* End-to-end tests of `thumbgen primes` and the top-level CLI, run as a separate process. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proc.h"

#define BIN THUMBGEN_BIN

static void seed1_j1_matches_go(void **state)
{
    (void)state;
    char *argv[] = {BIN, "primes", "--seed", "1", "-j", "1", "-n", "5", NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "32890589\n46636949\n24408763\n33272581\n47159699\n");
    /* One summary line on stderr with the counts. */
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "5 primes, 1 finders"));
    assert_non_null(strstr(r.err, "numbers/s"));
    proc_result_free(&r);
}

static void stats_table(void **state)
{
    (void)state;
    char *argv[] = {BIN, "primes", "-n", "3", "-j", "2", "--max", "100000", "--stats", NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines(r.out), 3);
    assert_non_null(strstr(r.err, "busy s"));
    assert_non_null(strstr(r.err, "finder 1"));
    assert_non_null(strstr(r.err, "merge 0"));
    proc_result_free(&r);
}

static void help_and_version(void **state)
{
    (void)state;
    char *h1[] = {BIN, "--help", NULL};
    char *h2[] = {BIN, "primes", "--help", NULL};
    char *v[] = {BIN, "--version", NULL};
    proc_result_t r;
    assert_int_equal(proc_run(h1, &r), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "Usage: thumbgen"));
    proc_result_free(&r);
    assert_int_equal(proc_run(h2, &r), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--seed"));
    proc_result_free(&r);
    assert_int_equal(proc_run(v, &r), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "thumbgen "));
    proc_result_free(&r);
}

/* Each bad invocation: status 2, nothing on stdout, one line on stderr starting "thumbgen:". */
static void bad_options(void **state)
{
    (void)state;
    char *cases[][6] = {
        {BIN, "primes", "--bogus", NULL},   {BIN, "primes", "-n", "-3", NULL},
        {BIN, "primes", "-j", "0", NULL},   {BIN, "primes", "--max", "3", NULL},
        {BIN, "primes", "-n", "12x", NULL}, {BIN, "primes", "-n", NULL},
        {BIN, "primes", "extra", NULL},     {BIN, "--frobnicate", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proc_result_t r;
        assert_int_equal(proc_run(cases[i], &r), 0);
        assert_int_equal(r.status, 2);
        assert_string_equal(r.out, "");
        assert_int_equal(count_lines(r.err), 1);
        assert_memory_equal(r.err, "thumbgen: ", 10);
        proc_result_free(&r);
    }
}

/* SIGINT after the first prime: a clean stop with status 130 and the summary still printed. */
static void sigint_exits_130(void **state)
{
    (void)state;
    char *argv[] = {BIN, "primes", "-n", "100000000", "-j", "2", "--max", "2000000", NULL};
    int fd;
    pid_t pid = proc_start(argv, &fd);
    assert_true(pid > 0);
    char line[64];
    assert_true(proc_read_line(fd, line, sizeof line) > 0); /* running: signals are blocked */
    kill(pid, SIGINT);
    proc_result_t r;
    assert_int_equal(proc_finish(pid, fd, &r), 0);
    assert_int_equal(r.status, 130);
    assert_non_null(strstr(r.err, "(interrupted)"));
    proc_result_free(&r);
}

/* Once take has its prime, done stops every finder mid-number and the process exits. */
static void take_ends_the_run(void **state)
{
    (void)state;
    char *argv[] = {BIN, "primes", "-n", "1", "-j", "2", NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines(r.out), 1);
    assert_non_null(strstr(r.err, "1 primes, 2 finders"));
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed1_j1_matches_go), cmocka_unit_test(stats_table),
        cmocka_unit_test(help_and_version),    cmocka_unit_test(bad_options),
        cmocka_unit_test(sigint_exits_130),    cmocka_unit_test(take_ends_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
