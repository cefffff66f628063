/* End-to-end tests of what an S3 SRC names and fetches, against the real S3 test server
 * (s3server.h): the same tree from a folder and from a bucket comes out the same (every family of
 * decoder sees the same bytes either way), read back through manifests parsed with Python's JSON
 * parser (manifest.py), and the server's log counts what each run asked for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"
#include "s3server.h"

#define BIN THUMBGEN_BIN
#define PICTURE TESTDATA "/photos/orientation/Landscape_1.jpg"
#define MANIFEST_PY TESTS_DIR "/manifest.py"

static s3server_t srv;

static int group_setup(void **state)
{
    *state = &srv;
    return s3server_setup(&srv);
}

static int group_teardown(void **state)
{
    (void)state;
    return s3server_teardown(&srv);
}

/* Makes root/name holding one of every family a run thumbnails: libvips' own formats, BMP and ICO
 * (which libvips hands to ImageMagick), a camera RAW (where make-dng is built) and clips of four
 * containers; and uploads it to s3://photos/name. */
static void mixed_tree(const s3server_t *s, const char *name, char *dir, size_t dirsz)
{
    if (snprintf(dir, dirsz, "%s/%s", s->root, name) >= (int)dirsz)
        fail_msg("path too long");
    char cmd[4096];
    FMT(cmd,
        "set -e; mkdir -p '%s/clips/sub' && cd '%s' && cp -r '%s/formats' . && cp '%s' photo.jpg "
        "&& "
        "vips copy photo.jpg scan.bmp && vips thumbnail photo.jpg small.png 64 && "
        "vips magicksave small.png icon.ico --format ico && rm small.png && cd clips && "
        "ffmpeg -nostdin -v error -loop 1 -i '%s' -t 1 -r 10 -vf scale=320:-2 -c:v libx264 "
        "-pix_fmt yuv420p h264.mp4 && ffmpeg -nostdin -v error -i h264.mp4 -c copy phone.mov && "
        "ffmpeg -nostdin -v error -i h264.mp4 -c copy sub/cam.mkv && "
        "ffmpeg -nostdin -v error -i h264.mp4 -c:v mpeg4 old.avi",
        dir, dir, TESTDATA, PICTURE, PICTURE);
    sh(cmd);
#ifdef MAKE_DNG
    FMT(cmd, "'%s' '%s' '%s/camera.dng'", MAKE_DNG, PICTURE, dir);
    sh(cmd);
#endif
    char args[1024];
    FMT(args, "s3 cp --quiet --recursive '%s' 's3://photos/%s'", dir, name);
    s3server_aws(s, args);
}

/* Every source of one tree, thumbnailed from a folder and from the bucket: the same statuses and
 * the same sizes, and nothing failed. (Before: from S3 every clip failed, "cannot read the clip:
 * Invalid data found when processing input", and BMP and ICO "magick2vips: unable to read
 * file".) */
static void same_from_folder_and_bucket(void **state)
{
    s3server_t *s = *state;
    char dir[256], cmd[4096];
    mixed_tree(s, "mixed", dir, sizeof dir);
    char m1[256], m2[256], d1[256], d2[256], rows1[256], rows2[256];
    FMT(m1, "%s/folder.jsonl", s->root);
    FMT(m2, "%s/bucket.jsonl", s->root);
    FMT(d1, "%s/out-folder", s->root);
    FMT(d2, "%s/out-bucket", s->root);
    FMT(rows1, "%s/folder.rows", s->root);
    FMT(rows2, "%s/bucket.rows", s->root);
    proc_result_t r = tg_run(BIN, dir, d1, "--manifest", m1, "-j", "2", NULL);
    assert_int_equal(r.status, 0);
    proc_result_free(&r);
    r = tg_run(BIN, "s3://photos/mixed", d2, "--manifest", m2, "-j", "2", NULL);
    if (r.status != 0)
        fail_msg("from the bucket, status %d: %s", r.status, r.err);
    proc_result_free(&r);
    FMT(cmd,
        "python3 '%s' rows '%s' '%s/' > '%s' && python3 '%s' rows '%s' s3://photos/mixed/ > '%s' "
        "&& diff '%s' '%s' && ! grep -q failed '%s' && grep -q '^clips/sub/cam.mkv\tmade' '%s' && "
        "grep -q '^icon.ico\tmade' '%s'",
        MANIFEST_PY, m1, dir, rows1, MANIFEST_PY, m2, rows2, rows1, rows2, rows1, rows1, rows1);
    sh(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_from_folder_and_bucket),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
