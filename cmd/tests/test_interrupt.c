/* Interrupting thumbgen: SIGINT or SIGTERM at random moments of runs over a corpus (20 times),
 * then a second SIGINT hard on the first. Each time: exit 130, no temporary file left, every
 * thumbnail present decodes completely; then an uninterrupted rerun completes the rest (so no
 * source in flight was left a failure record: the rerun would report it "failed before"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN
#define FILES 40

static tg_dirs_t dirs;
static char *const src = dirs.src, *const dst = dirs.dst;

static int make_corpus(void **state)
{
    (void)state;
    dirs_make(&dirs, "int");
    proc_result_t r;
    for (int i = 0; i < FILES; i++) {
        char to[256];
        snprintf(to, sizeof to, "%s/img%02d.jpg", src, i);
        char *cp[] = {"/bin/cp", TESTDATA "/nested/a b/ü deep/été photo 1.jpg", to, NULL};
        if (proc_run(cp, &r) != 0 || r.status != 0)
            return -1;
        proc_result_free(&r);
    }
    return 0;
}

static int remove_corpus(void **state)
{
    (void)state;
    dirs_remove(&dirs);
    return 0;
}

/* Every file in dst: no temporary names, and each thumbnail decodes to the end. Returns how many
 * thumbnails there are. */
static int check_outputs(void)
{
    assert_int_equal(count_outputs(dst, ".thumbgen-"), 0);
    return count_outputs(dst, ".jpg");
}

/* Starts thumbgen with its manifest on stdout, waits for `lines` manifest lines (so the run is
 * under way and its signals are blocked), sends the signal(s), and returns the exit status. */
static int interrupted_run(int lines, int sig, int second)
{
    char *argv[] = {BIN, src, dst, "-j", "2", "--quiet", "--manifest", "/dev/stdout", NULL};
    int fd;
    pid_t pid = proc_start(argv, &fd);
    assert_true(pid > 0);
    char line[4096];
    for (int i = 0; i < lines; i++)
        if (proc_read_line(fd, line, sizeof line) < 0)
            break; /* the run finished first */
    kill(pid, sig);
    if (second)
        kill(pid, SIGINT);
    proc_result_t r;
    assert_int_equal(proc_finish(pid, fd, &r), 0);
    int status = r.status;
    if (status != 0 && status != 130)
        print_message("unexpected status %d; stderr:\n%s\n", status, r.err ? r.err : "");
    proc_result_free(&r);
    return status;
}

static void random_interrupts(void **state)
{
    (void)state;
    uint64_t seed = 42;
    for (int k = 0; k < 20; k++) {
        char *rm[] = {"/bin/rm", "-rf", dst, NULL};
        proc_result_t r;
        proc_run(rm, &r);
        proc_result_free(&r);
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int lines = 1 + (int)((seed >> 33) % 12);
        int sig = (k % 2) ? SIGTERM : SIGINT;
        int status = interrupted_run(lines, sig, 0);
        int made = check_outputs();
        if (made < FILES)
            assert_int_equal(status, 130);           /* a run that finished first may exit 0 */
        assert_true(made >= lines && made <= FILES); /* a manifest line follows its rename */
    }
    /* The rerun completes the rest and everything is whole. */
    char *argv[] = {BIN, src, dst, NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    if (r.status != 0)
        print_message("rerun status %d; stderr:\n%s\n", r.status, r.err ? r.err : "");
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    assert_int_equal(check_outputs(), FILES);
}

static void second_sigint(void **state)
{
    (void)state;
    for (int k = 0; k < 5; k++) {
        char *rm[] = {"/bin/rm", "-rf", dst, NULL};
        proc_result_t r;
        proc_run(rm, &r);
        proc_result_free(&r);
        int status = interrupted_run(1 + k, SIGINT, 1);
        int made = check_outputs();
        if (made < FILES)
            assert_int_equal(status, 130);
    }
}

int main(void)
{
    if (VIPS_INIT("test_interrupt"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(random_interrupts, make_corpus, remove_corpus),
        cmocka_unit_test_setup_teardown(second_sigint, make_corpus, remove_corpus),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
