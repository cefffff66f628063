/* The null store (DST "null:"), a fourth store written as its own file, one line of store.c's
 * chooser and CMake: a run makes every thumbnail and writes none, and --stats counts what it
 * discarded. */
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

static void discards_and_counts(void **state)
{
    (void)state;
    tg_tree_t tree;
    tree_list(TESTDATA "/photos", &tree);
    char here[512], want[128];
    assert_non_null(getcwd(here, sizeof here));
    assert_int_equal(chdir(test_dirs.root), 0); /* where a folder "null:" would appear */
    proc_result_t r = tg_run(THUMBGEN_BIN, TESTDATA "/photos", "null:", "-j", "2", "--stats", NULL);
    assert_int_equal(chdir(here), 0);
    assert_int_equal(r.status, 0);
    expect_summary(r.err, tree.ngood, 0, 0, 0);
    FMT(want, "null store: %d thumbnails, ", tree.ngood);
    if (strstr(r.err, want) == NULL)
        fail_msg("no '%s' in:\n%s", want, r.err);
    assert_int_equal(count_outputs(test_dirs.root, NULL), 0);
    proc_result_free(&r);
    tree_free(&tree);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(discards_and_counts, setup_dirs, teardown_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
