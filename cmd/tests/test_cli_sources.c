/* End-to-end tests of the local sources' options: --files-from (newline and NUL separated, from a
 * file and from stdin) and --shard K/N run under GNU parallel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
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

typedef tg_dirs_t fixture_t;

static bool exists(const char *dir, const char *rel)
{
    char p[1024];
    struct stat st;
    FMT(p, "%s/%s", dir, rel);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* A newline-separated list in a file: exactly the listed images are made; a folder in the list
 * is passed over, a missing file and a path leaving SRC are reported; a clash loser listed alone
 * still loses to its rival on disk. */
static void files_from_lines(void **state)
{
    fixture_t *f = *state;
    char list[256];
    FMT(list, "%s/list.txt", f->root);
    FILE *l = fopen(list, "w");
    assert_non_null(l);
    fputs("./formats/grey.jpg\nnested/a b/\xc3\xbc deep/\xc3\xa9t\xc3\xa9 photo 1.jpg\nformats\n"
          "missing.jpg\n../escape.jpg\n\n",
          l);
    fclose(l);
    proc_result_t r = tg_run(BIN, f->src, f->dst, "--files-from", list, "--quiet", NULL);
    assert_int_equal(count_outputs(f->dst, NULL), 2);
    assert_true(exists(f->dst, "formats/grey.jpg"));
    assert_true(exists(f->dst, "nested/a b/\xc3\xbc deep/\xc3\xa9t\xc3\xa9 photo 1.jpg"));
    assert_non_null(strstr(r.err, "escape.jpg: not a path inside SRC"));
    expect_says(r, 1, "missing.jpg: No such file or directory");

    /* formats/photo.webp and a new photo.png beside it: the png sorts first and owns photo.jpg. */
    char cmd[1024];
    shf("cp '%s/formats/alpha.png' '%s/formats/photo.png'", f->src, f->src);
    FMT(cmd, "printf 'formats/photo.webp\\n' | '%s' '%s' '%s' --files-from -", BIN, f->src, f->dst);
    r = tg_run("/bin/sh", "-c", cmd, NULL);
    assert_non_null(strstr(r.err, "its thumbnail name photo.jpg belongs to photo.png; skipped"));
    expect_run(r, 0, 0, 0, 1, 0);
}

/* NUL-separated on stdin (find -print0), with a name that holds a newline. */
static void files_from_nul(void **state)
{
    fixture_t *f = *state;
    char cmd[1024];
    shf("cp '%s/formats/grey.jpg' '%s/formats/two\nlines.jpg'", f->src, f->src);
    FMT(cmd, "cd '%s' && find formats -name 'two*' -print0 | '%s' . '%s' --files-from - -0 --quiet",
        f->src, BIN, f->dst);
    proc_result_t r = tg_run("/bin/sh", "-c", cmd, NULL);
    assert_int_equal(r.status, 0);
    assert_int_equal(count_outputs(f->dst, NULL), 1);
    assert_true(exists(f->dst, "formats/two\nlines.jpg"));
    proc_result_free(&r);
    /* The same with newlines as separators sees two names, neither of which exists. */
    FMT(cmd, "cd '%s' && find formats -name 'two*' | '%s' . '%s/x' --files-from - --quiet", f->src,
        BIN, f->root);
    expect_says(tg_run("/bin/sh", "-c", cmd, NULL), 1, "formats/two: No such file or directory");
}

/* A run fed by a pipe that stays open still stops on SIGINT: the lister waits for the list
 * together with the run's done. The file already listed is made first (the test reads its
 * manifest line), so the signal comes while the lister waits, whatever the timing. */
static void files_from_interrupted(void **state)
{
    fixture_t *f = *state;
    char fifo[256];
    FMT(fifo, "%s/manifest.fifo", f->root);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char *argv[] = {BIN, f->src, f->dst, "--files-from", "-", "--manifest", fifo, NULL};
    int in, out;
    pid_t pid = proc_start_fed(argv, &in, &out);
    assert_true(pid > 0);
    FILE *manifest = fopen(fifo, "r");
    assert_non_null(manifest);
    dprintf(in, "formats/grey.jpg\n");
    char line[4096];
    assert_non_null(fgets(line, sizeof line, manifest));
    assert_non_null(strstr(line, "\"status\":\"made\""));
    kill(pid, SIGINT);
    assert_null(fgets(line, sizeof line, manifest));
    fclose(manifest);
    proc_result_t r;
    assert_int_equal(proc_finish(pid, out, &r), 0);
    close(in);
    expect_says(r, 130, "1 made");
}

/* The "src" values of a manifest, one per line, into a malloc'd string. */
static char *sources_of(const char *manifest)
{
    char cmd[512];
    FMT(cmd, "sed 's/^{\"src\":\"\\([^\"]*\\)\".*/\\1/' '%s' | sort", manifest);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = calloc(1, 1 << 16);
    size_t n = fread(out, 1, (1 << 16) - 1, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

/* Three shards under GNU parallel: each takes some sources, none takes one twice, and together
 * they take exactly what one run takes. */
static void shards_cover_once(void **state)
{
    fixture_t *f = *state;
    char m[256];
    shf("parallel --will-cite '%s' '%s' '%s/shard{}' --shard {}/3 --quiet --manifest "
        "'%s/m{}.jsonl' ::: 0 1 2; test $? -le 3",
        BIN, f->src, f->root, f->root);
    FMT(m, "%s/all.jsonl", f->root);
    proc_result_t r = tg_run(BIN, f->src, f->dst, "--quiet", "--manifest", m, NULL);
    proc_result_free(&r);
    char *all = sources_of(m);
    size_t total = 0;
    for (int k = 0; k < 3; k++) {
        FMT(m, "%s/m%d.jsonl", f->root, k);
        char *part = sources_of(m);
        assert_true(strlen(part) > 0);
        total += (size_t)count_lines(part);
        free(part);
    }
    shf("cat '%s'/m[012].jsonl > '%s/union.jsonl'", f->root, f->root);
    FMT(m, "%s/union.jsonl", f->root);
    char *uni = sources_of(m);
    assert_string_equal(uni, all);
    assert_int_equal(total, count_lines(all));
    free(uni);
    free(all);
    expect_says(tg_run(BIN, f->src, f->dst, "--shard", "3/3", NULL), 2,
                "bad value '3/3' for --shard");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(files_from_lines, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(files_from_nul, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(files_from_interrupted, setup_testdata, teardown_dirs),
        cmocka_unit_test_setup_teardown(shards_cover_once, setup_testdata, teardown_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
