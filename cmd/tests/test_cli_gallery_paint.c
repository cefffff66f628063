/* End-to-end tests of the placeholders in the gallery's pages (--html with --placeholder): in
 * Debian's Chromium, headless (cmd/tests/gallery/check.js --placeholders), with the images'
 * requests held unanswered (loading), each thumbnail's and cover's box shows what the reference
 * packages (the pinned `thumbhash` and `blurhash`, cmd/tests/placeholder) decode its hash to, and
 * with scripts off its average colour; with the images allowed each loads over its placeholder
 * and takes it away. The rest
 * reads the pages and state files: the hashes are the manifest's, the state keeps them across a
 * rerun that makes nothing (a rewritten page still paints them, and so does one written after a
 * run without --placeholder), a gallery made without placeholders gets them by making each
 * thumbnail once more, and a page without placeholders has no script. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
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
#define dirs test_dirs
#define NPHOTOS 3 /* at the top; then sub/'s, whose thumbnail is sub/'s cover */
static const char *const photos[NPHOTOS + 1] = {"Landscape_1.jpg", "Landscape_6.jpg",
                                                "Portrait_6.jpg", "Landscape_3.jpg"};

/* SRC: testdata's three four-colour photos at the top, and one in sub/. */
static void make_fixture(void)
{
    shf("cd '%s' && cp '%s/photos/orientation/Landscape_1.jpg' "
        "'%s/photos/orientation/Landscape_6.jpg' '%s/photos/orientation/Portrait_6.jpg' . && "
        "mkdir sub && cp '%s/photos/orientation/Landscape_3.jpg' sub/",
        dirs.src, TESTDATA, TESTDATA, TESTDATA, TESTDATA);
}

static bool have_tools(void)
{
    struct stat st;
    return stat("/usr/bin/chromium", &st) == 0 && stat(GALLERY_DIR "/node_modules", &st) == 0 &&
           stat(PLACEHOLDER_DIR "/node_modules/thumbhash/package.json", &st) == 0 &&
           stat(PLACEHOLDER_DIR "/node_modules/blurhash/package.json", &st) == 0;
}

/* thumbgen SRC dst --html -s 128,512 -j 2 --manifest M [--placeholder kinds]: its stderr (the
 * summary), malloc'd; the run must succeed. */
static char *run_html(const char *dst, const char *kinds)
{
    proc_result_t r = kinds ? tg_run(BIN, dirs.src, dst, "--html", "-s", "128,512", "-j", "2",
                                     "--manifest", dirs.manifest, "--placeholder", kinds, NULL)
                            : tg_run(BIN, dirs.src, dst, "--html", "-s", "128,512", "-j", "2",
                                     "--manifest", dirs.manifest, NULL);
    if (r.status != 0 && r.status != 1)
        fail_msg("thumbgen --html: status %d: %s", r.status, r.err);
    char *err = strdup(r.err ? r.err : "");
    proc_result_free(&r);
    return err;
}

/* The manifest's field (thumbhash, blurhash) of the source named name, unquoted (static). */
static const char *manifest_hash(const char *name, const char *field)
{
    static char line[256];
    char conds[300];
    FMT(conds, "'src$=/%s'", name);
    FMT(line, "%s", manifest_field(dirs.manifest, conds, field));
    size_t n = strlen(line);
    if (n < 3 || line[0] != '"' || line[n - 1] != '"')
        fail_msg("%s: no %s in the manifest: %s", name, field, line);
    line[n - 1] = '\0';
    return line + 1;
}

/* Fails unless the file at path holds text (want true) or does not (want false). */
static void expect_text(const char *path, const char *text, bool want)
{
    const char *got = slurp(path); /* (static) */
    if (got == NULL)
        fail_msg("cannot read %s", path);
    if ((strstr(got, text) != NULL) != want)
        fail_msg("%s %s %s", path, want ? "does not hold" : "holds", text);
}

/* The top page's image of each photo carries hashes[i] as data-KIND, with its box's long side
 * and its average colour; sub/'s cover carries its photo's. */
static void expect_painted(const char *dst, const char *kind, char hashes[][64])
{
    for (int i = 0; i < NPHOTOS; i++) {
        char want[256];
        FMT(want, "alt=\"%s\" style=\"%s:min(100%%,128px);background:#", photos[i],
            strncmp(photos[i], "Portrait", 8) == 0 ? "height" : "width");
        expect_text(at(dst, "index.html"), want, true);
        FMT(want, "data-%s=\"%s\">", kind, hashes[i]);
        expect_text(at(dst, "index.html"), want, true);
    }
    char want[256];
    FMT(want, "alt=\"\" style=\"width:min(100%%,128px);background:#");
    expect_text(at(dst, "index.html"), want, true);
    FMT(want, "data-%s=\"%s\">", kind, hashes[NPHOTOS]);
    expect_text(at(dst, "index.html"), want, true);
    expect_text(at(dst, "index.html"), "<script>", true);
}

/* Each kind: the pages carry the manifest's hashes, and Chromium paints them as the references
 * decode them (scripts on) or as their average colours (scripts off), and then the images over
 * them. */
static void painted_in_a_browser(void **state)
{
    (void)state;
    if (!have_tools())
        fail_msg("needs Debian's chromium and the pinned packages: apt-get install chromium && "
                 "npm ci --prefix %s && npm ci --prefix %s",
                 GALLERY_DIR, PLACEHOLDER_DIR);
    make_fixture();
    const char *kinds[] = {"thumbhash", "blurhash"};
    for (int k = 0; k < 2; k++) {
        char dst[256], hashes[NPHOTOS + 1][64];
        FMT(dst, "%s/%s", dirs.root, kinds[k]);
        free(run_html(dst, kinds[k]));
        for (int i = 0; i <= NPHOTOS; i++)
            snprintf(hashes[i], sizeof hashes[i], "%s", manifest_hash(photos[i], kinds[k]));
        expect_painted(dst, kinds[k], hashes);
        browser_check(GALLERY_DIR, dst, "--placeholders", PLACEHOLDER_DIR);
    }
}

/* The state keeps each thumbnail's hash: a rerun that makes nothing but rewrites the page (a new
 * failure in the folder) still paints every hash; a run without --placeholder rewrites the page
 * without them (and without its script), and a run with it again paints them again, making
 * nothing. */
static void kept_across_reruns(void **state)
{
    (void)state;
    make_fixture();
    free(run_html(dirs.dst, "thumbhash"));
    char hashes[NPHOTOS + 1][64];
    for (int i = 0; i <= NPHOTOS; i++)
        snprintf(hashes[i], sizeof hashes[i], "%s", manifest_hash(photos[i], "thumbhash"));
    expect_painted(dirs.dst, "thumbhash", hashes);

    shf("touch '%s/empty.jpg'", dirs.src);
    char *err = run_html(dirs.dst, "thumbhash");
    expect_summary(err, 0, 4, 0, 1);
    free(err);
    expect_text(at(dirs.dst, "index.html"), "<b>empty.jpg</b>: empty file", true);
    expect_painted(dirs.dst, "thumbhash", hashes);

    err = run_html(dirs.dst, NULL);
    expect_summary(err, 0, 4, 0, 1);
    free(err);
    expect_text(at(dirs.dst, "index.html"), "data-thumbhash", false);
    expect_text(at(dirs.dst, "index.html"), "style=", false);
    expect_text(at(dirs.dst, "index.html"), "<script", false);

    err = run_html(dirs.dst, "thumbhash");
    expect_summary(err, 0, 4, 0, 1);
    free(err);
    expect_painted(dirs.dst, "thumbhash", hashes);
}

/* A gallery made without --placeholder: a run with it makes each thumbnail again (for its hash),
 * once; the next makes nothing. */
static void added_later(void **state)
{
    (void)state;
    make_fixture();
    char *err = run_html(dirs.dst, NULL);
    expect_summary(err, 4, 0, 0, 0);
    free(err);
    expect_text(at(dirs.dst, "index.html"), "<script", false);
    err = run_html(dirs.dst, "blurhash");
    expect_summary(err, 4, 0, 0, 0);
    free(err);
    err = run_html(dirs.dst, "blurhash");
    expect_summary(err, 0, 4, 0, 0);
    free(err);
    expect_text(at(dirs.dst, "sub/index.html"), "data-blurhash=\"", true);
}

/* A transparent thumbnail's ThumbHash (PNG keeps its alpha) is painted by the script only: with
 * scripts off no colour would be taken away once the image has loaded, and it would show through
 * the transparent half for good. An opaque one beside it keeps its colour. A BlurHash does not
 * say whether its picture has alpha: no colour in a format that may have it, one in JPEG. */
static void transparent_has_no_colour(void **state)
{
    (void)state;
    shf("cp '%s/formats/alpha.png' '%s/formats/grey.jpg' '%s'", TESTDATA, TESTDATA, dirs.src);
    proc_result_t r =
        tg_run(BIN, dirs.src, dirs.dst, "--html", "-f", "png", "--placeholder", "thumbhash", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    expect_text(at(dirs.dst, "index.html"),
                "alt=\"alpha.png\" style=\"width:min(100%,256px)\" data-thumbhash=\"", true);
    expect_text(at(dirs.dst, "index.html"),
                "alt=\"grey.jpg\" style=\"width:min(100%,256px);background:#", true);
    const char *formats[] = {"png", "jpeg"};
    for (int k = 0; k < 2; k++) {
        char dst[256];
        FMT(dst, "%s/blur-%s", dirs.root, formats[k]);
        expect_run(tg_run(BIN, dirs.src, dst, "--html", "-f", formats[k], "--placeholder",
                          "blurhash", NULL),
                   0, 2, 0, 0, 0);
        expect_text(at(dst, "index.html"),
                    k == 0 ? "alt=\"alpha.png\" style=\"width:min(100%,256px)\" data-blurhash"
                           : "alt=\"alpha.png\" style=\"width:min(100%,256px);background:#",
                    true);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(painted_in_a_browser, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(kept_across_reruns, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(added_later, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(transparent_has_no_colour, setup_dirs, teardown_dirs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
