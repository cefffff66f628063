/* Failure records in the S3 store (docs/DESIGN.md, "Identity and order"): an object whose bytes
 * failed to decode is remembered beside its thumbnails, keyed to its identity, so a rerun with
 * nothing changed reports it failed again (status 1) without a GET; a changed object is tried
 * again, a made one loses its record, and --prune removes the record of an object that is gone.
 * An object without an image's extension that is not an image is skipped ("not an image") and
 * remembered the same way, in a record of its own kind. Run against the real S3 test server
 * (s3rver), read back with awscli and the server's request log; manifests are read by Python's
 * json. The folder store's: test_cli_failrecords_folder; --watch's: test_cli_failrecords_watch. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"
#include "s3server.h"

#define BIN THUMBGEN_BIN

/* The keys under s3://thumbs/PREFIX/ but identity records, tab-separated, in a static buffer
 * ("None": none). */
static const char *keys_under(const char *prefix)
{
    return shf_line("aws --endpoint-url '%s' s3api list-objects-v2 --bucket thumbs --prefix '%s/' "
                    "--query \"Contents[?!contains(Key, '/.thumbgen-id.')].Key\" --output text",
                    srv.endpoint, prefix);
}

/* Fails unless --stats's two lines of S3 requests in err (the source's and the store's) say 0 GET,
 * 0 PUT, 0 DeleteObjects. */
static void expect_no_transfers(const char *err)
{
    int lines = 0;
    for (const char *p = err; (p = strstr(p, "S3 requests: ")) != NULL; p++, lines++)
        if (strncmp(strchr(p, ','), ", 0 GET, 0 PUT, 0 DeleteObjects", 31) != 0)
            fail_msg("--stats: %s", err);
    assert_int_equal(lines, 2);
}

/* Reruns s3://photos/PREFIX -> s3://thumbs/PREFIX (with --stats and the manifest) with nothing
 * changed: fails unless it makes no GET of a source and no PUT (--stats and the server's log
 * agree), err holds said (NULL: anything), and it ends with status, 0 made, 2 up to date, 1
 * skipped and failed failed. */
static void rerun_unchanged(const char *prefix, const char *manifest, const char *said, int status,
                            int failed)
{
    char src[256], dst[256], get[256];
    FMT(src, "s3://photos/%s", prefix);
    FMT(dst, "s3://thumbs/%s", prefix);
    FMT(get, "GET /photos/%s/", prefix);
    int gets = s3server_requests(&srv, get), puts = s3server_requests(&srv, "PUT ");
    proc_result_t r = tg_run(BIN, src, dst, "--manifest", manifest, "--stats", NULL);
    if (said != NULL && strstr(r.err, said) == NULL)
        fail_msg("no '%s' in:\n%s", said, r.err);
    expect_no_transfers(r.err);
    expect_run(r, status, 0, 2, 1, failed);
    assert_int_equal(s3server_requests(&srv, get), gets);
    assert_int_equal(s3server_requests(&srv, "PUT "), puts);
}

/* Uploads DIR/NAME (broken bytes, or text without an image's extension) to s3://photos/PREFIX,
 * beside 3 objects up to date and 1 skipped: fails unless the run records it (a record of kind, REC
 * or SKIPREC), and unless, the object deleted, --prune removes that record and the manifest says
 * so. */
static void record_pruned(const char *dir, const char *prefix, const char *name, const char *kind,
                          const char *manifest)
{
    bool failure = strcmp(kind, REC) == 0;
    char src[256], dst[256], args[1024], summary[128], line[512];
    FMT(src, "s3://photos/%s", prefix);
    FMT(dst, "s3://thumbs/%s", prefix);
    FMT(args, "s3 cp --quiet '%s/%s' '%s/%s'", dir, name, src, name);
    s3server_aws(&srv, args);
    expect_run(tg_run(BIN, src, dst, NULL), failure, 0, 3, 1, failure);
    FMT(line, "%s/%s%s", prefix, kind, name);
    assert_non_null(strstr(keys_under(prefix), line));
    FMT(args, "s3 rm --quiet '%s/%s'", src, name);
    s3server_aws(&srv, args);
    proc_result_t r = tg_run(BIN, src, dst, "--prune", "--manifest", manifest, NULL);
    FMT(summary, "0 made, 3 up to date, %d skipped, 0 failed, 1 removed", failure);
    if (r.status != 0 || strstr(r.err, summary) == NULL)
        fail_msg("status %d: %s", r.status, r.err);
    proc_result_free(&r);
    FMT(line, "grep -qF '\"status\":\"removed\",\"dst\":\"%s/%s%s\"' '%s'", dst, kind, name,
        manifest);
    sh(line);
}

/* s3://photos/rec -> s3://thumbs/rec: the rerun makes 0 GET and 0 PUT and still says the broken
 * object failed; a replaced object is made and loses its record; --prune removes the record of
 * an object that is gone, and nothing hidden that is not thumbgen's. */
static void s3_records(void **state)
{
    (void)state;
    char src[256], args[1024], manifest[256];
    FMT(src, "%s/rsrc", srv.root);
    FMT(manifest, "%s/rec.jsonl", srv.root);
    shf("mkdir -p '%s' && cp '%s/formats/grey.jpg' '%s/a.jpg' && cp '%s/formats/grey.jpg' "
        "'%s/b.jpg' && echo '{}' > '%s/a.jpg.json'",
        src, TESTDATA, src, TESTDATA, src, src);
    write_broken(at(src, "broken.jpg"));
    FMT(args, "s3 cp --quiet --recursive '%s' s3://photos/rec", src);
    s3server_aws(&srv, args);

    proc_result_t r =
        tg_run(BIN, "s3://photos/rec", "s3://thumbs/rec", "--manifest", manifest, "--stats", NULL);
    assert_non_null(strstr(r.err, "s3://photos/rec/broken.jpg: not a recognised image format"));
    expect_run(r, 1, 2, 0, 1, 1);
    expect_error(manifest, "broken.jpg", "\"not a recognised image format");
    assert_string_equal(keys_under("rec"), "rec/" REC "broken.jpg\trec/a.jpg\trec/b.jpg");
    assert_string_equal(s3server_idents(&srv, "rec"),
                        "a.jpg\tb.jpg\tbroken.jpg"); /* one per verdict */
    shf("aws --endpoint-url '%s' s3api head-object --bucket thumbs --key 'rec/" REC
        "broken.jpg' --query '[ContentType,Metadata.\"thumbgen-src\"]' --output text "
        "| grep -q '^text/plain.*src=broken.jpg$'",
        srv.endpoint);

    /* Nothing changed: no GET of a source, no PUT, and the failure is said again. */
    rerun_unchanged("rec", manifest,
                    "s3://photos/rec/broken.jpg: failed before and has not changed since "
                    "(recorded in s3://thumbs/rec/" REC "broken.jpg;",
                    1, 1);
    expect_error(manifest, "broken.jpg", FAILED_BEFORE);

    /* broken.jpg is replaced by a good image, within the same second as likely as not: its
     * identity changed, so it is fetched, made, and its record goes. */
    FMT(args, "s3 cp --quiet '%s/formats/grey.jpg' s3://photos/rec/broken.jpg", TESTDATA);
    s3server_aws(&srv, args);
    expect_run(tg_run(BIN, "s3://photos/rec", "s3://thumbs/rec", "--manifest", manifest, NULL), 0,
               1, 2, 1, 0);
    assert_string_equal(keys_under("rec"), "rec/a.jpg\trec/b.jpg\trec/broken.jpg");
    assert_string_equal(s3server_idents(&srv, "rec"),
                        "a.jpg\tb.jpg\tbroken.jpg"); /* the failure's went */

    /* A broken object gets a record, then is deleted: --prune removes the record, and leaves a
     * hidden object that is not thumbgen's. */
    FMT(args, "s3 cp --quiet '%s/a.jpg.json' 's3://thumbs/rec/.thumbgen-notes'", src);
    s3server_aws(&srv, args);
    write_broken(at(src, "gone.jpg"));
    record_pruned(src, "rec", "gone.jpg", REC, manifest);
    assert_string_equal(keys_under("rec"),
                        "rec/.thumbgen-notes\trec/a.jpg\trec/b.jpg\trec/broken.jpg");
    assert_string_equal(s3server_idents(&srv, "rec"),
                        "a.jpg\tb.jpg\tbroken.jpg"); /* gone.jpg's went */
}

/* s3://photos/skip -> s3://thumbs/skip: an object without an extension that holds text is
 * skipped as not an image and remembered (a record of that kind, named so the listing tells it),
 * so the rerun skips it again with 0 GET; one that holds a JPEG is made; the text replaced by an
 * image is made and its record goes; a text object deleted loses its record to --prune. */
static void s3_skip_records(void **state)
{
    (void)state;
    char src[256], args[1024], manifest[256];
    FMT(src, "%s/ssrc", srv.root);
    FMT(manifest, "%s/skip.jsonl", srv.root);
    shf("mkdir -p '%s' && cp '%s/formats/grey.jpg' '%s/a.jpg' && echo 'some notes' > '%s/notes'",
        src, TESTDATA, src, src);
    write_jpeg_as(at(src, "photo"));
    FMT(args, "s3 cp --quiet --recursive '%s' s3://photos/skip", src);
    s3server_aws(&srv, args);

    proc_result_t r =
        tg_run(BIN, "s3://photos/skip", "s3://thumbs/skip", "--manifest", manifest, NULL);
    expect_run(r, 0, 2, 0, 1, 0);
    expect_manifest(manifest, "'src$=/notes'", "status", "\"skipped\"");
    expect_manifest(manifest, "'src$=/notes'", "error", "\"not an image\"");
    expect_manifest(manifest, "'src$=/photo'", "status", "\"made\"");
    assert_string_equal(keys_under("skip"), "skip/" SKIPREC "notes\tskip/a.jpg\tskip/photo.jpg");
    assert_string_equal(s3server_idents(&srv, "skip"), "a.jpg\tnotes.jpg\tphoto.jpg");

    /* Nothing changed: skipped again, not an image, from the listing alone: 0 GET, 0 PUT. */
    rerun_unchanged("skip", manifest, NULL, 0, 0);
    expect_manifest(manifest, "'src$=/notes'", "status", "\"skipped\"");
    expect_manifest(manifest, "'src$=/notes'", "error", "\"not an image\"");
    expect_manifest(manifest, "'src$=/notes'", "dst", "null");

    /* notes is replaced by a JPEG: fetched, made, and its record goes. */
    FMT(args, "s3 cp --quiet '%s/photo' s3://photos/skip/notes", src);
    s3server_aws(&srv, args);
    expect_run(tg_run(BIN, "s3://photos/skip", "s3://thumbs/skip", "--manifest", manifest, NULL), 0,
               1, 2, 0, 0);
    expect_manifest(manifest, "'src$=/notes'", "status", "\"made\"");
    assert_string_equal(keys_under("skip"), "skip/a.jpg\tskip/notes.jpg\tskip/photo.jpg");

    /* A text object gets a record, then is deleted: --prune removes the record. */
    shf("echo 'more notes' > '%s/gone'", src);
    record_pruned(src, "skip", "gone", SKIPREC, manifest);
    assert_string_equal(keys_under("skip"), "skip/a.jpg\tskip/notes.jpg\tskip/photo.jpg");
    assert_string_equal(s3server_idents(&srv, "skip"), "a.jpg\tnotes.jpg\tphoto.jpg");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(s3_records),
        cmocka_unit_test(s3_skip_records),
    };
    return cmocka_run_group_tests(tests, s3server_group_setup, s3server_group_teardown);
}
