/* `cmake --install` into a temporary prefix: the installed binary runs (its decoders too) and
 * `man -l` renders the installed page, which says what --help says. */
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

static void install_runs_and_has_a_man_page(void **state)
{
    (void)state;
    char prefix[] = "/tmp/tg-prefix-XXXXXX";
    assert_non_null(mkdtemp(prefix));
    proc_result_t r = tg_run(CMAKE_COMMAND, "--install", BUILD_DIR, "--prefix", prefix, NULL);
    if (r.status != 0)
        fail_msg("cmake --install failed: %s%s", r.out, r.err);
    proc_result_free(&r);

    char bin[128], page[160], out[160];
    FMT(bin, "%s/bin/thumbgen", prefix);
    FMT(page, "%s/share/man/man1/thumbgen.1", prefix);
    FMT(out, "%s/out", prefix);
    tg_tree_t tree;
    tree_list(TESTDATA "/formats", &tree);
    expect_run(tg_run(bin, TESTDATA "/formats", out, "-j", "2", NULL), 0, tree.ngood, 0,
               tree.nother, 0);
    tree_free(&tree);
    /* The codec modules are found where they were installed: a clip goes through FFmpeg's. */
    char clips[160];
    FMT(clips, "%s/clips", prefix);
    shf("mkdir '%s' && ffmpeg -nostdin -v error -f lavfi -i testsrc2=s=320x240:d=1 "
        "'%s/clip.mp4'",
        clips, clips);
    r = tg_run(bin, clips, out, NULL);
    if (r.status != 0)
        fail_msg("the installed thumbgen could not thumbnail a clip: %s", r.err);
    proc_result_free(&r);

    r = tg_run(bin, "--help", NULL);
    assert_int_equal(r.status, 0);
    char *help = r.out;
    r.out = NULL;
    proc_result_free(&r);
    setenv("MANWIDTH", "100", 1);
    r = tg_run("/usr/bin/man", "-l", page, NULL);
    assert_int_equal(r.status, 0);
    /* The page is --help's: every option it lists is in the page. */
    const char *opts[] = {"--freedesktop", "--files-from", "--shard", "--max-memory", "--quiet"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        assert_non_null(strstr(help, opts[i]));
        assert_non_null(strstr(r.out, opts[i]));
    }
    assert_non_null(strstr(r.out, "THUMBGEN(1)"));
    assert_non_null(strstr(r.out, "EXAMPLES"));
    proc_result_free(&r);
    free(help);
    shf("rm -rf '%s'", prefix);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(install_runs_and_has_a_man_page)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
