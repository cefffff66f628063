/* End-to-end tests of the progress bar: drawn on a terminal (a pseudo-terminal from script(1)),
 * with a percentage once the listing is complete, and erased before the summary; never drawn
 * when stderr is a pipe. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

static tg_dirs_t dirs;
static tg_tree_t tree; /* TESTDATA's sources */

static int setup(void **state)
{
    (void)state;
    dirs_make(&dirs, "bar");
    tree_list(TESTDATA, &tree);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dirs_remove(&dirs);
    tree_free(&tree);
    return 0;
}

/* Reads fd (blocking) into seen until what was read matches the extended regex want, or the end.
 * True when it matched. */
static bool read_until(int fd, const char *want, char *seen, size_t size)
{
    regex_t re;
    assert_int_equal(regcomp(&re, want, REG_EXTENDED), 0);
    size_t n = 0;
    bool found = false;
    seen[0] = '\0';
    while (!found && n < size - 1) {
        ssize_t k = read(fd, seen + n, size - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        seen[n] = '\0';
        found = regexec(&re, seen, 0, NULL, 0) == 0;
    }
    regfree(&re);
    return found;
}

static void bar_on_a_terminal(void **state)
{
    (void)state;
    char cmd[600], re[160], sum_line[160];
    FMT(cmd, "'%s' '%s' '%s' -j 2", THUMBGEN_BIN, TESTDATA, dirs.dst);
    /* script runs the command on a new pseudo-terminal and copies what it prints to stdout. */
    proc_result_t r = tg_run("/usr/bin/script", "-qec", cmd, "/dev/null", NULL);
    assert_int_equal(r.status, 1); /* testdata/bad */
    regex_t pct;
    FMT(re, "\\] +[0-9]+%%  [0-9]+/%d  [0-9.]+ images/s", tree.ngood + tree.nbad + tree.nother);
    assert_int_equal(regcomp(&pct, re, REG_EXTENDED), 0);
    if (regexec(&pct, r.out, 0, NULL, 0) != 0)
        fail_msg("no bar with a percentage in: %s", r.out);
    regfree(&pct);
    /* The summary starts on a clean line: right after an erased bar (carriage return, erase line)
     * or after a failure line (which erased it), and nothing is drawn after it. */
    FMT(sum_line, "thumbgen: %d made, 0 up to date", tree.ngood);
    const char *sum = strstr(r.out, sum_line);
    assert_non_null(sum);
    assert_true(sum - r.out >= 4);
    assert_true(memcmp(sum - 4, "\r\033[K", 4) == 0 || sum[-1] == '\n');
    assert_null(strchr(sum, '\033'));
    assert_non_null(strstr(r.out, "thumbgen: " TESTDATA "/bad/empty.jpg: empty file"));
    proc_result_free(&r);
}

static void no_bar_on_a_pipe(void **state)
{
    (void)state;
    proc_result_t r = tg_run(THUMBGEN_BIN, TESTDATA, dirs.dst, "-j", "2", NULL);
    assert_int_equal(r.status, 1);
    assert_null(strchr(r.err, '\r'));
    assert_null(strchr(r.err, '\033'));
    assert_null(strchr(r.err, '%'));
    expect_summary(r.err, tree.ngood, 0, tree.nother, tree.nbad);
    proc_result_free(&r);
}

/* A setup error on a terminal (a manifest that cannot be created) ends the run with the reason
 * and status 2 before any bar is drawn: no progress thread outlives the set-up (it used to run on
 * in a freed batch, most runs drawing a bar after the error). Ten runs, as the thread lost that
 * race in about one run out of three. */
static void setup_error_draws_no_bar(void **state)
{
    (void)state;
    char cmd[600];
    FMT(cmd, "'%s' '%s' '%s' --manifest /nonexistent/m.jsonl", THUMBGEN_BIN, TESTDATA, dirs.dst);
    for (int i = 0; i < 10; i++) {
        proc_result_t r = tg_run("/usr/bin/script", "-qec", cmd, "/dev/null", NULL);
        assert_int_equal(r.status, 2);
        if (strcmp(r.out, "thumbgen: /nonexistent/m.jsonl: cannot create manifest: No such file "
                          "or directory\r\n") != 0)
            fail_msg("not just the reason on the terminal: %s", r.out);
        proc_result_free(&r);
    }
}

/* The total is known early: with a tree larger than the lister's channel and the only worker's
 * decoder held on the first file (a test hook, released by the test once it has seen the bar),
 * the counting walk gives the bar its whole total and a percentage while the lister is still
 * blocked near the start. The count takes the walk's rules: a subfolder's file counts; a hidden
 * file, a symlink (not followed) and a FIFO do not. */
static void total_known_early(void **state)
{
    (void)state;
    enum { IMAGES = 60 };
    char cmd[1200], fifo[200], hold[200];
    FMT(fifo, "%s/release", dirs.root);
    FMT(hold, "%s/0000-hold.bin", dirs.src);
    FMT(cmd,
        "mkfifo '%s' && printf 'TGFAULT hold %s' > '%s' && for i in $(seq -w 1 %d); do "
        "cp '%s/formats/grey.jpg' \"%s/img$i.jpg\"; done && cd '%s' && mkdir sub && "
        "cp img01.jpg sub/ && cp img01.jpg .hidden.jpg && ln -s img01.jpg link.jpg && "
        "mkfifo pipe.jpg",
        fifo, fifo, hold, IMAGES, TESTDATA, dirs.src, dirs.src);
    sh(cmd);
    FMT(cmd, "'%s' '%s' '%s' -j 1 --timeout 60", THUMBGEN_HOOKS_BIN, dirs.src, dirs.dst);
    char *argv[] = {"/usr/bin/script", "-qec", cmd, "/dev/null", NULL};
    int out;
    pid_t pid = proc_start(argv, &out);
    assert_true(pid > 0);
    char want[64];
    FMT(want, "\\] +0%%  0/%d  ", IMAGES + 2);
    static char seen[1 << 16];
    bool found = read_until(out, want, seen, sizeof seen); /* the run is held until released */
    int w = open(fifo, O_WRONLY | O_CLOEXEC);              /* releases the decoder */
    if (w >= 0)
        close(w);
    proc_result_t r;
    assert_int_equal(proc_finish(pid, out, &r), 0);
    if (!found)
        fail_msg("no bar with the whole total before the first file was done:\n%s", seen);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
}

/* --watch on a terminal: once the first pass is over, a status line takes the bar's place
 * (folders watched, what was made, the last event), redrawn as files settle; SIGINT ends it with
 * the summary and status 0. */
static void watch_status_line(void **state)
{
    (void)state;
    char cmd[1200];
    FMT(cmd, "cp '%s/formats/grey.jpg' '%s/a.jpg' && cp '%s/formats/grey.jpg' '%s/b.jpg'", TESTDATA,
        dirs.src, TESTDATA, dirs.src);
    sh(cmd);
    FMT(cmd, "exec '%s' '%s' '%s' --watch -j 1", THUMBGEN_BIN, dirs.src, dirs.dst);
    char *argv[] = {"/usr/bin/script", "-qec", cmd, "/dev/null", NULL};
    int out;
    pid_t pid = proc_start(argv, &out);
    assert_true(pid > 0);
    static char seen[1 << 16];
    bool found = read_until(out,
                            "watching 1 folders \\([0-9]+ files\\); 2 made, 0 failed; last: "
                            "[0-9]{2}:[0-9]{2}:[0-9]{2} made [ab]\\.jpg",
                            seen, sizeof seen);
    char path[64], kids[64] = "";
    FMT(path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    if (f != NULL && fgets(kids, sizeof kids, f) == NULL)
        kids[0] = '\0';
    if (f != NULL)
        fclose(f);
    pid_t tg = (pid_t)atoi(kids);
    assert_true(tg > 0);
    kill(tg, SIGINT);
    proc_result_t r;
    assert_int_equal(proc_finish(pid, out, &r), 0);
    if (!found)
        fail_msg("no status line after the first pass:\n%s", seen);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "thumbgen: 2 made, 0 up to date, 0 skipped, 0 failed in "));
    proc_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(bar_on_a_terminal, setup, teardown),
        cmocka_unit_test_setup_teardown(no_bar_on_a_pipe, setup, teardown),
        cmocka_unit_test_setup_teardown(setup_error_draws_no_bar, setup, teardown),
        cmocka_unit_test_setup_teardown(total_known_early, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_status_line, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
