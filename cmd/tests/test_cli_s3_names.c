/* End-to-end tests of what an S3 SRC names and fetches, against the real S3 test server
 * (s3server.h): the same tree from a folder and from a bucket comes out the same (every family of
 * decoder sees the same bytes either way), read back through manifests parsed with Python's JSON
 * parser (manifest.py), and the server's log counts what each run asked for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"
#include "s3server.h"

#define BIN THUMBGEN_BIN
#define HOOKS THUMBGEN_HOOKS_BIN
#define PICTURE TESTDATA "/photos/orientation/Landscape_1.jpg"

/* Makes root/name holding one of every family a run thumbnails: libvips' own formats, BMP and ICO
 * (which libvips hands to ImageMagick), a camera RAW (where make-dng is built) and clips of four
 * containers; and uploads it to s3://photos/name. */
static void mixed_tree(const s3server_t *s, const char *name, char *dir, size_t dirsz)
{
    if (snprintf(dir, dirsz, "%s/%s", s->root, name) >= (int)dirsz)
        fail_msg("path too long");
    shf("set -e; mkdir -p '%s/clips/sub' && cd '%s' && cp -r '%s/formats' . && cp '%s' photo.jpg "
        "&& "
        "vips copy photo.jpg scan.bmp && vips thumbnail photo.jpg small.png 64 && "
        "vips magicksave small.png icon.ico --format ico && rm small.png && cd clips && "
        "ffmpeg -nostdin -v error -loop 1 -i '%s' -t 1 -r 10 -vf scale=320:-2 -c:v libx264 "
        "-pix_fmt yuv420p h264.mp4 && ffmpeg -nostdin -v error -i h264.mp4 -c copy phone.mov && "
        "ffmpeg -nostdin -v error -i h264.mp4 -c copy sub/cam.mkv && "
        "ffmpeg -nostdin -v error -i h264.mp4 -c:v mpeg4 old.avi",
        dir, dir, TESTDATA, PICTURE, PICTURE);
#ifdef MAKE_DNG
    shf("'%s' '%s' '%s/camera.dng'", MAKE_DNG, PICTURE, dir);
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
    char dir[256];
    mixed_tree(s, "mixed", dir, sizeof dir);
    char m1[256], m2[256], d1[256], d2[256], rows1[256], rows2[256];
    FMT(m1, "%s/folder.jsonl", s->root);
    FMT(m2, "%s/bucket.jsonl", s->root);
    FMT(d1, "%s/out-folder", s->root);
    FMT(d2, "%s/out-bucket", s->root);
    FMT(rows1, "%s/folder.rows", s->root);
    FMT(rows2, "%s/bucket.rows", s->root);
    tg_expect(0, BIN, dir, d1, "--manifest", m1, "-j", "2", NULL);
    proc_result_t r = tg_run(BIN, "s3://photos/mixed", d2, "--manifest", m2, "-j", "2", NULL);
    if (r.status != 0)
        fail_msg("from the bucket, status %d: %s", r.status, r.err);
    proc_result_free(&r);
    shf("python3 '%s' rows '%s' '%s/' > '%s' && python3 '%s' rows '%s' s3://photos/mixed/ > '%s' "
        "&& diff '%s' '%s' && ! grep -q failed '%s' && grep -q '^clips/sub/cam.mkv\tmade' '%s' && "
        "grep -q '^icon.ico\tmade' '%s'",
        MANIFEST_PY, m1, dir, rows1, MANIFEST_PY, m2, rows2, rows1, rows2, rows1, rows1, rows1);
}

/* Makes s3://photos/PREFIX/ from a shell fragment run in a fresh folder root/PREFIX. */
static void bucket_tree(const s3server_t *s, const char *prefix, const char *make)
{
    char args[1024];
    shf("set -e; mkdir -p '%s/%s' && cd '%s/%s' && %s", s->root, prefix, s->root, prefix, make);
    FMT(args, "s3 cp --quiet --recursive '%s/%s' 's3://photos/%s'", s->root, prefix, prefix);
    s3server_aws(s, args);
}

/* s3://BUCKET/KEY names that one object, as a local SRC may be one file: it is made, named by its
 * last component, and nothing else is fetched. (Before: 0 made, exit 0, not a word.) */
static void one_object(void **state)
{
    s3server_t *s = *state;
    bucket_tree(s, "one",
                "mkdir sub && cp '" PICTURE "' sub/a.jpg && cp '" PICTURE "' sub/b.jpg && "
                "echo '{}' > sub/a.jpg.json");
    char dst[256], path[512];
    FMT(dst, "%s/one-out", s->root);
    int gets = s3server_requests(s, "GET /photos/one/");
    expect_run(tg_run(BIN, "s3://photos/one/sub/a.jpg", dst, NULL), 0, 1, 0, 0, 0);
    assert_int_equal(s3server_requests(s, "GET /photos/one/"), gets + 1);
    assert_int_equal(count_outputs(dst, NULL), 1);
    FMT(path, "%s/a.jpg", dst);
    g_object_unref(load(path));
    /* A trailing slash says a prefix: nothing lies below one/sub/a.jpg/. */
    expect_run(tg_run(BIN, "s3://photos/one/sub/a.jpg/", dst, NULL), 0, 0, 0, 0, 0);
}

/* --files-from with an S3 SRC: keys relative to its prefix, as paths are to a folder; a listed
 * key's rivals are the bucket's, listed or not; only listed keys are fetched; a missing key and
 * one that leaves the prefix fail. (Before: refused, "--files-from needs a local SRC".) */
static void files_from_keys(void **state)
{
    s3server_t *s = *state;
    bucket_tree(s, "list",
                "mkdir -p d && cp '" PICTURE "' a.jpg && cp '" PICTURE "' unlisted.jpg && "
                "vips copy a.jpg d/x.png && vips copy a.jpg d/x.gif");
    char dst[256], list[256], manifest[256];
    FMT(dst, "%s/list-out", s->root);
    FMT(list, "%s/list.txt", s->root);
    FMT(manifest, "%s/list.jsonl", s->root);
    shf("printf './a.jpg\\nd/x.png\\nnone.jpg\\n../one/sub/a.jpg\\n' > '%s'", list);
    int gets = s3server_requests(s, "GET /photos/list/");
    proc_result_t r =
        tg_run(BIN, "s3://photos/list", dst, "--files-from", list, "--manifest", manifest, NULL);
    assert_non_null(strstr(r.err, "s3://photos/list/none.jpg: no such key"));
    assert_non_null(strstr(r.err, "s3://photos/list/../one/sub/a.jpg: not a path inside SRC"));
    expect_run(r, 1, 1, 0, 1, 2);
    assert_int_equal(s3server_requests(s, "GET /photos/list/"), gets + 1);
    assert_int_equal(count_outputs(dst, NULL), 1);
    shf("python3 '%s' rows '%s' s3://photos/list/ | grep -qx 'd/x.png\tskipped\t-\t-\tname "
        "clash' && python3 '%s' rows '%s' s3://photos/list/ | grep -qx 'a.jpg\tmade\t256\t171\t-'",
        MANIFEST_PY, manifest, MANIFEST_PY, manifest);
}

/* expect_manifest for the line whose src ends with suffix. */
static void expect_field(const char *manifest, const char *suffix, const char *field,
                         const char *want)
{
    char cond[256];
    FMT(cond, "'src$=%s'", suffix);
    expect_manifest(manifest, cond, field, want);
}

/* Sidecars beside photos and clips (an edited iPhone video's IMG_0002.AAE, clip.json, a.jpg.json),
 * from a folder and from the bucket: the clip owns its name and is made, each sidecar is skipped
 * as "not an image" (no clash, no dst) and exit 0; and a rerun from the bucket with nothing to do
 * GETs nothing. (Before: the AAE and the JSON owned the clips' names, the clips were skipped as
 * clashes and the AAE then failed, exit 1; every rerun GOT the sidecars again.) */
static void sidecars(void **state)
{
    s3server_t *s = *state;
    bucket_tree(s, "side",
                "for n in a b c; do cp '" PICTURE "' $n.jpg; echo '{}' > $n.jpg.json; done && "
                "ffmpeg -nostdin -v error -loop 1 -i '" PICTURE "' -t 1 -r 5 -vf scale=160:-2 "
                "-c:v libx264 -pix_fmt yuv420p clip.mp4 && cp clip.mp4 IMG_0002.MOV && "
                "echo '<plist/>' > IMG_0002.AAE && echo '{}' > clip.json");
    char dir[256], dst[256], manifest[256], url_manifest[256];
    FMT(dir, "%s/side", s->root);
    FMT(dst, "%s/side-out", s->root);
    FMT(manifest, "%s/side.jsonl", s->root);
    FMT(url_manifest, "%s/side-s3.jsonl", s->root);
    proc_result_t r = tg_run(BIN, dir, dst, "--manifest", manifest, NULL);
    if (r.status != 0)
        fail_msg("status %d: %s", r.status, r.err);
    expect_summary(r.err, 5, 0, 5, 0);
    proc_result_free(&r);
    char dst2[256];
    FMT(dst2, "%s/side-out-s3", s->root);
    expect_run(tg_run(BIN, "s3://photos/side", dst2, "--manifest", url_manifest, NULL), 0, 5, 0, 5,
               0);
    const char *made[] = {"/IMG_0002.MOV", "/clip.mp4", "/a.jpg"};
    const char *sidecar[] = {"/IMG_0002.AAE", "/clip.json", "/a.jpg.json"};
    for (int m = 0; m < 2; m++) {
        const char *mf = m ? url_manifest : manifest;
        for (int i = 0; i < 3; i++) {
            expect_field(mf, made[i], "status", "\"made\"");
            expect_field(mf, sidecar[i], "status", "\"skipped\"");
            expect_field(mf, sidecar[i], "error", "\"not an image\"");
            expect_field(mf, sidecar[i], "dst", "null");
            expect_field(mf, sidecar[i], "owner", "absent");
        }
    }
    int gets = s3server_requests(s, "GET /photos/side/");
    expect_run(tg_run(BIN, "s3://photos/side", dst2, "--stats", NULL), 0, 0, 5, 5, 0);
    assert_int_equal(s3server_requests(s, "GET /photos/side/"), gets);
}

/* A clash loser's owner is its path relative to SRC, like the loser's own path, from a folder
 * and from the bucket alike. (Before: "sub/a.gif" from S3, "a.gif" from a folder.) */
static void owner_relative_to_src(void **state)
{
    s3server_t *s = *state;
    bucket_tree(s, "own",
                "mkdir sub && vips copy '" PICTURE "' sub/a.gif && cp sub/a.gif sub/a.png");
    char dir[256], m1[256], m2[256], d1[256], d2[256];
    FMT(dir, "%s/own", s->root);
    FMT(m1, "%s/own.jsonl", s->root);
    FMT(m2, "%s/own-s3.jsonl", s->root);
    FMT(d1, "%s/own-out", s->root);
    FMT(d2, "%s/own-out-s3", s->root);
    tg_expect(0, BIN, dir, d1, "--manifest", m1, "--quiet", NULL);
    tg_expect(0, BIN, "s3://photos/own", d2, "--manifest", m2, "--quiet", NULL);
    expect_field(m1, "/sub/a.png", "owner", "\"sub/a.gif\"");
    expect_field(m2, "/sub/a.png", "owner", "\"sub/a.gif\"");
    expect_field(m1, "/sub/a.png", "reason", "\"name clash\"");
}

/* An object deleted after it was listed but before it was fetched is skipped with "reason":"gone",
 * as a file deleted before its turn is, not failed. The one decoder is held on the first key
 * (thumbgen-testhooks) while zz.png, the last of 24, is deleted. Everything between the listing and
 * that decoder is bounded: with -j 1 at most 12 keys have left the listing (2 queued for the 4
 * openers, 4 in their hands, 4 queued for the worker, 1 in the lister's, 1 held), so zz.png cannot
 * have been fetched yet. (Before: "cannot download: NoSuchKey (HTTP 404)", failed.) */
static void gone_from_the_bucket(void **state)
{
    s3server_t *s = *state;
    char fifo[256], cmd[1024], dst[256], manifest[256], args[256];
    FMT(fifo, "%s/gone-release", s->root);
    FMT(cmd,
        "mkfifo '%s' && printf 'TGFAULT hold %s' > 0-hold.png && for i in $(seq 10 31); do "
        "vips black f$i.png 8 8; done && vips black zz.png 8 8",
        fifo, fifo);
    bucket_tree(s, "gone", cmd);
    FMT(dst, "%s/gone-out", s->root);
    FMT(manifest, "%s/gone.jsonl", s->root);
    char *argv[] = {HOOKS, "s3://photos/gone", dst, "-j", "1", "--manifest", manifest, NULL};
    int out = -1;
    pid_t pid = proc_start(argv, &out);
    int hold = open(fifo, O_WRONLY | O_CLOEXEC); /* returns once the decoder is held */
    assert_true(hold >= 0);
    FMT(args, "s3 rm --quiet s3://photos/gone/zz.png");
    s3server_aws(s, args);
    close(hold);
    proc_result_t r;
    assert_int_equal(proc_finish(pid, out, &r), 0);
    assert_int_equal(r.status, 1); /* 0-hold.png, which is no image, alone */
    expect_summary(r.err, 22, 0, 1, 1);
    assert_null(strstr(r.err, "zz.png"));
    proc_result_free(&r);
    expect_field(manifest, "/zz.png", "status", "\"skipped\"");
    expect_field(manifest, "/zz.png", "reason", "\"gone\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_from_folder_and_bucket),
        cmocka_unit_test(one_object),
        cmocka_unit_test(files_from_keys),
        cmocka_unit_test(sidecars),
        cmocka_unit_test(owner_relative_to_src),
        cmocka_unit_test(gone_from_the_bucket),
    };
    return cmocka_run_group_tests(tests, s3server_group_setup, s3server_group_teardown);
}
