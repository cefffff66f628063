/* End-to-end tests of what the manifest says, read with Python's json (cmd/tests/manifest.py),
 * never with thumbgen's own words: every line says exactly what happened. */
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
#define PICTURE TESTDATA "/photos/orientation/Landscape_1.jpg"
#define dirs test_dirs

/* The prune guard's refusal is DST's failure, not a source's: "src" null, DST in "dst". (Before:
 * {"src":DST,"status":"failed"}, so a script retrying failed sources thumbnailed DST.) */
static void prune_guard_names_dst(void **state)
{
    (void)state;
    shf("cp '%s' '%s/a.jpg' && mkdir -p '%s' && for n in 1 2 3; do cp '%s' '%s'/old$n.jpg; done",
        PICTURE, dirs.src, dirs.dst, PICTURE, dirs.dst);
    proc_result_t r = tg_run(BIN, dirs.src, dirs.dst, "--prune", "--manifest", dirs.manifest, NULL);
    if (r.status != 1 || strstr(r.err, "--prune would remove 3 of the ") == NULL)
        fail_msg("status %d: %s", r.status, r.err);
    proc_result_free(&r);
    expect_manifest(dirs.manifest, "'status=\"failed\"'", "src", "null");
    char dst[300];
    FMT(dst, "\"%s\"", dirs.dst);
    expect_manifest(dirs.manifest, "'status=\"failed\"'", "dst", dst);
    expect_manifest(dirs.manifest, "'status=\"failed\"'", "src_bytes", "absent");
}

/* A source that is not an image (sniffed: a name without an extension) has no dst: none was
 * written. (Before: "dst" named a thumbnail that never existed.) */
static void not_an_image_has_no_dst(void **state)
{
    (void)state;
    shf("echo 'just words' > '%s/README' && cp '%s' '%s/a.jpg'", dirs.src, PICTURE, dirs.src);
    expect_run(tg_run(BIN, dirs.src, dirs.dst, "--manifest", dirs.manifest, NULL), 0, 1, 0, 1, 0);
    expect_manifest(dirs.manifest, "'src$=/README'", "status", "\"skipped\"");
    expect_manifest(dirs.manifest, "'src$=/README'", "error", "\"not an image\"");
    expect_manifest(dirs.manifest, "'src$=/README'", "dst", "null");
    assert_int_equal(count_outputs(dirs.dst, NULL), 1);
}

/* --dry-run: what a thumbnail would measure is not known, so width, height and bytes are null,
 * for each size too. (Before: 0.) */
static void would_make_says_null(void **state)
{
    (void)state;
    shf("cp '%s' '%s/a.jpg'", PICTURE, dirs.src);
    tg_expect(0, BIN, dirs.src, dirs.dst, "--dry-run", "-s", "64,128", "--manifest", dirs.manifest,
              NULL);
    const char *fields[] = {"width", "height", "bytes"};
    for (int i = 0; i < 3; i++)
        expect_manifest(dirs.manifest, "'status=\"would_make\"'", fields[i], "null");
    char outputs[1024];
    FMT(outputs,
        "[{\"dst\": \"%s/64/a.jpg\", \"width\": null, \"height\": null, \"bytes\": null}, "
        "{\"dst\": \"%s/128/a.jpg\", \"width\": null, \"height\": null, \"bytes\": null}]",
        dirs.dst, dirs.dst);
    expect_manifest(dirs.manifest, "'status=\"would_make\"'", "outputs", outputs);
}

/* A name that is not UTF-8 (Latin-1 "caf\xe9.jpg", as an old camera card or a zip from Windows
 * gives): src is valid JSON with U+FFFD for the stray byte, and src_bytes gives the path's exact
 * bytes back, so a consumer finds the file; the same for dst. (Before: the byte was written as
 * U+00E9, a name that finds no file, and nothing else.) */
static void non_utf8_name_round_trips(void **state)
{
    (void)state;
    char src[256], want[300];
    FMT(src, "%s/caf\xe9.jpg", dirs.src);
    shf("cp '%s' '%s'", PICTURE, src);
    tg_expect(0, BIN, dirs.src, dirs.dst, "--manifest", dirs.manifest, NULL);
    FMT(want, "\"%s/caf\\ufffd.jpg\"", dirs.src);
    expect_manifest(dirs.manifest, "'status=\"made\"'", "src", want);
    const char *bytes = "python3 '%s' bytes '%s' 'status=\"made\"' %s";
    assert_string_equal(shf_line(bytes, MANIFEST_PY, dirs.manifest, "src_bytes"), src);
    FMT(want, "%s/caf\xe9.jpg", dirs.dst);
    assert_string_equal(shf_line(bytes, MANIFEST_PY, dirs.manifest, "dst_bytes"), want);
    assert_int_equal(access(want, F_OK), 0);
}

int main(void)
{
    if (VIPS_INIT("test_cli_manifest"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(prune_guard_names_dst, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(not_an_image_has_no_dst, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(would_make_says_null, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(non_utf8_name_round_trips, setup_dirs, teardown_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
