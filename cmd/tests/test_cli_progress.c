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
    assert_null(strchr(r.err, '\r'));
    assert_null(strchr(r.err, '\033'));
    assert_null(strchr(r.err, '%'));
    expect_run(r, 1, tree.ngood, 0, tree.nother, tree.nbad);
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
    FMT(hold, "%s/0000-hold", dirs.src);
    shf("mkfifo '%s' && printf 'TGFAULT hold %s' > '%s' && for i in $(seq -w 1 %d); do "
        "cp '%s/formats/grey.jpg' \"%s/img$i.jpg\"; done && cd '%s' && mkdir sub && "
        "cp img01.jpg sub/ && cp img01.jpg .hidden.jpg && ln -s img01.jpg link.jpg && "
        "mkfifo pipe.jpg",
        fifo, fifo, hold, IMAGES, TESTDATA, dirs.src, dirs.src);
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

/* The pid of the only child of process pid (script's shell, which execs thumbgen). */
static pid_t child_of(pid_t pid)
{
    char path[64], kids[64] = "";
    FMT(path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    if (f != NULL && fgets(kids, sizeof kids, f) == NULL)
        kids[0] = '\0';
    if (f != NULL)
        fclose(f);
    return (pid_t)atoi(kids);
}

/* Ctrl-C for the thumbgen that script runs as pid (its only child), then waits for script and
 * returns what it printed. */
static proc_result_t interrupt_child(pid_t pid, int out)
{
    pid_t tg = child_of(pid);
    assert_true(tg > 0);
    kill(tg, SIGINT);
    proc_result_t r;
    assert_int_equal(proc_finish(pid, out, &r), 0);
    return r;
}

/* --watch on a terminal: once the first pass is over, a status line takes the bar's place
 * (folders watched, what was made, the last event), redrawn as files settle; SIGINT ends it with
 * the summary and status 0. */
static void watch_status_line(void **state)
{
    (void)state;
    char cmd[1200];
    shf("cp '%s/formats/grey.jpg' '%s/a.jpg' && cp '%s/formats/grey.jpg' '%s/b.jpg'", TESTDATA,
        dirs.src, TESTDATA, dirs.src);
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
    proc_result_t r = interrupt_child(pid, out);
    if (!found)
        fail_msg("no status line after the first pass:\n%s", seen);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "thumbgen: 2 made, 0 up to date, 0 skipped, 0 failed in "));
    proc_result_free(&r);
}

/* --watch: the status line takes the bar's place only once the first pass is over, every file it
 * found settled: with the only worker held on the first file (a test hook) while the pass's
 * listing ends, the first "watching" drawn already counts every file (it used to be drawn when
 * the listing ended, the bar stopped at 99%). */
static void watch_status_after_first_pass(void **state)
{
    (void)state;
    char cmd[1200], fifo[200];
    FMT(fifo, "%s/release", dirs.root);
    shf("mkfifo '%s' && printf 'TGFAULT hold %s' > '%s/0000-hold' && cp '%s/formats/grey.jpg' "
        "'%s/a.jpg' && cp '%s/formats/grey.jpg' '%s/b.jpg'",
        fifo, fifo, dirs.src, TESTDATA, dirs.src, TESTDATA, dirs.src);
    FMT(cmd, "exec '%s' '%s' '%s' --watch -j 1 --timeout 60", THUMBGEN_HOOKS_BIN, dirs.src,
        dirs.dst);
    char *argv[] = {"/usr/bin/script", "-qec", cmd, "/dev/null", NULL};
    int out;
    pid_t pid = proc_start(argv, &out);
    assert_true(pid > 0);
    static char seen[1 << 16], rest[1 << 16];
    bool held = read_until(out, "\\] +0%  0/3  ", seen, sizeof seen); /* the first file held */
    int w = open(fifo, O_WRONLY | O_CLOEXEC);                         /* releases it */
    if (w >= 0)
        close(w);
    bool found = read_until(out, "watching 1 folders", rest, sizeof rest);
    proc_result_t r = interrupt_child(pid, out);
    if (!held || !found)
        fail_msg("no bar, or no status line:\n%s%s", seen, rest);
    assert_null(strstr(seen, "watching"));
    const char *first = strstr(rest, "watching"), *all = "watching 1 folders (3 files); 2 made, ";
    if (strncmp(first, all, strlen(all)) != 0)
        fail_msg("the status line came before the first pass was over:\n%s", first);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
}

/* True when the extended regex want matches somewhere in text. */
static bool matches(const char *text, const char *want)
{
    regex_t re;
    assert_int_equal(regcomp(&re, want, REG_EXTENDED), 0);
    bool found = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return found;
}

/* The status line fits an 80-column terminal: the form that leaves the last file's name room,
 * the name elided in the middle (its start and its own name kept), never cut to a few
 * characters; it counts the thumbnails removed and the files SRC holds, down as one goes. Each
 * step ends on a file made after it, whose line comes after the step's. The summary's rate is
 * over the time spent working, not watching. */
static void watch_status_fits(void **state)
{
    (void)state;
    const char *deep = "a-rather-long-folder-name/another-long-folder-here";
    char cmd[1600];
    shf("mkdir -p '%s/%s' && cp '%s/formats/grey.jpg' '%s/a.jpg' && cp '%s/formats/grey.jpg' "
        "'%s/b.jpg'",
        dirs.src, deep, TESTDATA, dirs.src, TESTDATA, dirs.src);
    FMT(cmd, "stty cols 80 rows 24 && exec '%s' '%s' '%s' --watch --prune -j 1", THUMBGEN_BIN,
        dirs.src, dirs.dst);
    char *argv[] = {"/usr/bin/script", "-qec", cmd, "/dev/null", NULL};
    int out;
    pid_t pid = proc_start(argv, &out);
    assert_true(pid > 0);
    static char seen[3][1 << 16];
    bool ok = read_until(out, "made [ab]\\.jpg", seen[0], sizeof seen[0]);
    if (ok) {
        shf("cp '%s/formats/grey.jpg' '%s/%s/IMG_20260101_123456.jpg' && cp '%s/a.jpg' '%s/z.jpg'",
            TESTDATA, dirs.src, deep, dirs.src, dirs.src);
        ok = read_until(out, "made z\\.jpg", seen[1], sizeof seen[1]);
    }
    if (ok) {
        shf("rm '%s/a.jpg' && cp '%s/b.jpg' '%s/y.jpg'", dirs.src, dirs.src, dirs.src);
        ok = read_until(out, "made y\\.jpg", seen[2], sizeof seen[2]);
    }
    proc_result_t r = interrupt_child(pid, out);
    if (!ok)
        fail_msg("the run ended early:\n%s\n%s\n%s", seen[0], seen[1], seen[2]);
    const char *want[3] = {
        "watching 2 files; 2 made, 0 removed, 0 failed; made [ab]\\.jpg",
        "\r\033\\[K[34] files; 3 made, 0 removed, 0 failed; made " /* (z.jpg found, or not yet) */
        "a-rather-[a-z]*\\.\\.\\.IMG_20260101_123456\\.jpg\r",
        "watching 3 files; 4 made, 1 removed, 0 failed; made z\\.jpg\r"};
    for (int i = 0; i < 3; i++)
        if (!matches(seen[i], want[i]))
            fail_msg("no line like '%s' in:\n%s", want[i], seen[i]);
    /* Every line drawn fits in 79 columns (all ASCII here). */
    for (int i = 0; i < 3; i++)
        for (const char *p = seen[i]; (p = strstr(p, "\r\033[K")) != NULL;) {
            p += 4;
            size_t n = strcspn(p, "\r\n\033");
            if (n > 79)
                fail_msg("a line of %zu columns: %.*s", n, (int)n, p);
        }
    double total, rate, work;
    const char *sum = strstr(r.out, "thumbgen: 5 made, 0 up to date, 0 skipped, 0 failed, 1 "
                                    "removed in ");
    if (sum == NULL)
        fail_msg("no summary in: %s", r.out);
    assert_int_equal(sscanf(strstr(sum, " in ") + 4, "%lf s (%lf images/s over %lf s of work)",
                            &total, &rate, &work),
                     3);
    assert_true(work > 0 && work <= total);
    assert_true(rate > 0);
    assert_int_equal(r.status, 0);
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
        cmocka_unit_test_setup_teardown(watch_status_after_first_pass, setup, teardown),
        cmocka_unit_test_setup_teardown(watch_status_fits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
