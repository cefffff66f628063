/* End-to-end test of what the manifest says of an animated thumbnail (--animated): the size of one
 * frame and the number of frames, as the file itself holds them, read with Python's own JSON
 * parser, for one size and for several; a still (JPEG) has one frame. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"

#define BIN THUMBGEN_BIN

#define dirs test_dirs

/* Every output the manifest at path names: "DST WIDTH HEIGHT FRAMES" a line, from Python's JSON
 * parser ("frames" absent: 1). malloc'd. */
static char *outputs_of(const char *path)
{
    char cmd[1024];
    FMT(cmd,
        "python3 -c 'import json, sys\n"
        "for line in open(sys.argv[1], encoding=\"utf-8\"):\n"
        "    o = json.loads(line)\n"
        "    if o.get(\"src\") is None: continue\n"
        "    for x in o.get(\"outputs\") or [o]:\n"
        "        print(x[\"dst\"], x[\"width\"], x[\"height\"], x.get(\"frames\", 1))' '%s'",
        path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, n = 0, k;
    char *out = malloc(cap);
    while (n + 1 < cap && (k = fread(out + n, 1, cap - 1 - n, p)) > 0)
        n += k;
    out[n] = '\0';
    if (pclose(p) != 0)
        fail_msg("the manifest %s is not JSON Lines:\n%s", path, slurp(path));
    return out;
}

/* Runs thumbgen with the sizes and format given and --animated, then checks each output the
 * manifest names against the file: its width, one frame's height, its frame count; returns how
 * many outputs had more than one frame. */
static int check(const char *sizes, const char *format)
{
    tg_expect(0, BIN, dirs.src, dirs.dst, "--animated", "-s", sizes, "-f", format, "--manifest",
              dirs.manifest, "--force", "--quiet", NULL);
    char *list = outputs_of(dirs.manifest);
    int n = 0, animated = 0;
    for (char *save, *line = strtok_r(list, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char dst[400], path[420];
        int w, h, frames;
        if (sscanf(line, "%399s %d %d %d", dst, &w, &h, &frames) != 4)
            fail_msg("manifest output: %s", line);
        FMT(path, "%s%s", dst, strcmp(format, "jpeg") != 0 ? "[n=-1]" : ""); /* every frame */
        VipsImage *im = vips_image_new_from_file(path, NULL);
        if (im == NULL)
            fail_msg("cannot load %s: %s", dst, vips_error_buffer());
        int pages = vips_image_get_n_pages(im), ph = vips_image_get_page_height(im);
        if (w != im->Xsize || h != ph || frames != pages)
            fail_msg("%s: the manifest says %dx%d, %d frames; the file holds %dx%d, %d frames", dst,
                     w, h, frames, im->Xsize, ph, pages);
        animated += pages > 1;
        n++;
        g_object_unref(im);
    }
    free(list);
    assert_true(n > 0);
    return animated;
}

/* testdata's 3-frame GIF and WebP (120x80 a frame): --animated WebP and GIF thumbnails are
 * described frame by frame, with one size and with several; a JPEG of them is one frame. */
static void frame_size_and_count(void **state)
{
    (void)state;
    shf("cp '%s/formats/anim.gif' '%s/formats/animated.webp' '%s'", TESTDATA, TESTDATA, dirs.src);
    assert_int_equal(check("64", "webp"), 2);
    assert_int_equal(check("64", "gif"), 2);
    assert_int_equal(check("64,32", "webp"), 4);
    assert_int_equal(check("64", "jpeg"), 0);
}

int main(void)
{
    if (VIPS_INIT("test_cli_animated"))
        return 1;
    vips_cache_set_max(0); /* outputs are rewritten by the next run */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(frame_size_and_count, setup_dirs, teardown_dirs),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
