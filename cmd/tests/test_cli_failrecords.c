/* Failure records in the folder and S3 stores (docs/DESIGN.md, "Identity and order"): a source
 * whose bytes failed to decode is remembered beside its thumbnails, keyed to its identity, so a
 * rerun with nothing changed reports it failed again (status 1) without fetching it (S3: no GET)
 * or decoding it; a changed source is tried again, a made one loses its record, and --prune
 * removes the record of a source that is gone. A source without an image's extension whose bytes
 * are not an image is skipped ("not an image") and remembered the same way, in a record of its
 * own kind, so a rerun skips it again without fetching it. Run against the real S3 test server
 * (s3rver) and read back with awscli and the server's request log; manifests are read by Python's
 * json. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "outputs.h"
#include "proc.h"
#include "s3server.h"
#include "watcher.h"

#define BIN THUMBGEN_BIN
#define REC ".thumbgen-failed."
#define SKIPREC ".thumbgen-skipped."
#define FAILED_BEFORE "\"failed before and has not changed since"

static s3server_t srv;

static int group_setup(void **state)
{
    (void)state;
    return s3server_setup(&srv);
}

static int group_teardown(void **state)
{
    (void)state;
    if (watcher_running > 0)
        kill(watcher_running, SIGKILL);
    return s3server_teardown(&srv);
}

/* The manifest's FIELD (as JSON) of the one line whose src ends with name, in a static buffer. */
static const char *field_of(const char *manifest, const char *name, const char *field)
{
    static char got[1024];
    char cmd[2048];
    FMT(cmd, "python3 '%s' get '%s' 'src$=%s' %s", MANIFEST_PY, manifest, name, field);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    if (r.status != 0)
        fail_msg("%s: %s", cmd, r.err);
    r.out[strcspn(r.out, "\n")] = '\0';
    snprintf(got, sizeof got, "%s", r.out);
    proc_result_free(&r);
    return got;
}

/* Fails unless the manifest's error for name starts with prefix (a JSON string's start). */
static void expect_error(const char *manifest, const char *name, const char *prefix)
{
    const char *got = field_of(manifest, name, "error");
    if (strncmp(got, prefix, strlen(prefix)) != 0)
        fail_msg("error of %s: %s, not %s...", name, got, prefix);
}

/* Fails unless r ended with status and the summary M made, U up to date, S skipped, F failed. */
static void expect_run(proc_result_t *r, int status, int made, int up, int skipped, int failed)
{
    if (r->status != status)
        fail_msg("status %d, not %d:\n%s", r->status, status, r->err);
    expect_summary(r->err, made, up, skipped, failed);
    proc_result_free(r);
}

/* The keys under s3://thumbs/PREFIX/, tab-separated, in a static buffer ("None": none). */
static const char *keys_under(const char *prefix)
{
    char cmd[1024], out[256];
    FMT(out, "%s/keys.txt", srv.root);
    FMT(cmd,
        "aws --endpoint-url '%s' s3api list-objects-v2 --bucket thumbs --prefix '%s/' --query "
        "'Contents[].Key' --output text > '%s'",
        srv.endpoint, prefix, out);
    sh(cmd);
    char *got = slurp(out);
    assert_non_null(got);
    got[strcspn(got, "\n")] = '\0';
    return got;
}

/* Random bytes under an image's name: a file that can be read but never decoded. */
static void write_broken(const char *path)
{
    char cmd[1024];
    FMT(cmd, "head -c 3000 /dev/urandom > '%s'", path);
    sh(cmd);
}

/* s3://photos/rec -> s3://thumbs/rec: the rerun makes 0 GET and 0 PUT and still says the broken
 * object failed; a replaced object is made and loses its record; --prune removes the record of
 * an object that is gone, and nothing hidden that is not thumbgen's. */
static void s3_records(void **state)
{
    (void)state;
    char src[256], cmd[2048], args[1024], manifest[256];
    FMT(src, "%s/rsrc", srv.root);
    FMT(manifest, "%s/rec.jsonl", srv.root);
    FMT(cmd,
        "mkdir -p '%s' && cp '%s/formats/grey.jpg' '%s/a.jpg' && cp '%s/formats/grey.jpg' "
        "'%s/b.jpg' && echo '{}' > '%s/a.jpg.json'",
        src, TESTDATA, src, TESTDATA, src, src);
    sh(cmd);
    write_broken(at(src, "broken.jpg"));
    FMT(args, "s3 cp --quiet --recursive '%s' s3://photos/rec", src);
    s3server_aws(&srv, args);

    proc_result_t r =
        tg_run(BIN, "s3://photos/rec", "s3://thumbs/rec", "--manifest", manifest, "--stats", NULL);
    assert_non_null(strstr(r.err, "s3://photos/rec/broken.jpg: not a recognised image format"));
    expect_run(&r, 1, 2, 0, 1, 1);
    expect_error(manifest, "broken.jpg", "\"not a recognised image format");
    assert_string_equal(keys_under("rec"), "rec/" REC "broken.jpg\trec/a.jpg\trec/b.jpg");
    FMT(cmd,
        "aws --endpoint-url '%s' s3api head-object --bucket thumbs --key 'rec/" REC
        "broken.jpg' --query '[ContentType,Metadata.\"thumbgen-src\"]' --output text "
        "| grep -q '^text/plain.*src=broken.jpg$'",
        srv.endpoint);
    sh(cmd);

    /* Nothing changed: no GET of a source, no PUT, and the failure is said again. */
    int gets = s3server_requests(&srv, "GET /photos/rec/");
    int puts = s3server_requests(&srv, "PUT ");
    r = tg_run(BIN, "s3://photos/rec", "s3://thumbs/rec", "--manifest", manifest, "--stats", NULL);
    assert_non_null(strstr(r.err, "s3://photos/rec/broken.jpg: failed before and has not changed "
                                  "since (failure entry s3://thumbs/rec/" REC "broken.jpg;"));
    int lines = 0;
    for (const char *p = r.err; (p = strstr(p, "S3 requests: ")) != NULL; p++, lines++)
        if (strncmp(strchr(p, ','), ", 0 GET, 0 PUT, 0 DeleteObjects", 31) != 0)
            fail_msg("--stats: %s", r.err);
    assert_int_equal(lines, 2); /* the source's and the store's */
    expect_run(&r, 1, 0, 2, 1, 1);
    expect_error(manifest, "broken.jpg", FAILED_BEFORE);
    assert_int_equal(s3server_requests(&srv, "GET /photos/rec/"), gets);
    assert_int_equal(s3server_requests(&srv, "PUT "), puts);

    /* A minute passes (every object's Last-Modified a minute earlier); broken.jpg is replaced by
     * a good image: its identity changed, so it is fetched, made, and its record goes. */
    FMT(cmd, "find '%s' -name '*._S3rver_object' -exec touch -d '1 minute ago' {} +", srv.data);
    sh(cmd);
    FMT(args, "s3 cp --quiet '%s/formats/grey.jpg' s3://photos/rec/broken.jpg", TESTDATA);
    s3server_aws(&srv, args);
    r = tg_run(BIN, "s3://photos/rec", "s3://thumbs/rec", "--manifest", manifest, NULL);
    expect_run(&r, 0, 1, 2, 1, 0);
    assert_string_equal(keys_under("rec"), "rec/a.jpg\trec/b.jpg\trec/broken.jpg");

    /* A broken object gets a record, then is deleted: --prune removes the record, and leaves a
     * hidden object that is not thumbgen's. */
    write_broken(at(src, "gone.jpg"));
    FMT(args, "s3 cp --quiet '%s/gone.jpg' s3://photos/rec/gone.jpg", src);
    s3server_aws(&srv, args);
    FMT(args, "s3 cp --quiet '%s/a.jpg.json' 's3://thumbs/rec/.thumbgen-notes'", src);
    s3server_aws(&srv, args);
    r = tg_run(BIN, "s3://photos/rec", "s3://thumbs/rec", NULL);
    expect_run(&r, 1, 0, 3, 1, 1);
    assert_non_null(strstr(keys_under("rec"), "rec/" REC "gone.jpg"));
    s3server_aws(&srv, "s3 rm --quiet s3://photos/rec/gone.jpg");
    r = tg_run(BIN, "s3://photos/rec", "s3://thumbs/rec", "--prune", "--manifest", manifest, NULL);
    if (r.status != 0 ||
        strstr(r.err, "0 made, 3 up to date, 1 skipped, 0 failed, 1 removed") == NULL)
        fail_msg("status %d: %s", r.status, r.err);
    proc_result_free(&r);
    FMT(cmd, "grep -qF '\"status\":\"removed\",\"dst\":\"s3://thumbs/rec/" REC "gone.jpg\"' '%s'",
        manifest);
    sh(cmd);
    assert_string_equal(keys_under("rec"),
                        "rec/.thumbgen-notes\trec/a.jpg\trec/b.jpg\trec/broken.jpg");
}

/* Writes a JPEG's bytes under a name without an extension. */
static void write_jpeg_as(const char *path)
{
    char cmd[1024];
    FMT(cmd, "cp '%s/formats/grey.jpg' '%s'", TESTDATA, path);
    sh(cmd);
}

/* s3://photos/skip -> s3://thumbs/skip: an object without an extension that holds text is
 * skipped as not an image and remembered (a record of that kind, named so the listing tells it),
 * so the rerun skips it again with 0 GET; one that holds a JPEG is made; the text replaced by an
 * image is made and its record goes; a text object deleted loses its record to --prune. */
static void s3_skip_records(void **state)
{
    (void)state;
    char src[256], cmd[2048], args[1024], manifest[256];
    FMT(src, "%s/ssrc", srv.root);
    FMT(manifest, "%s/skip.jsonl", srv.root);
    FMT(cmd,
        "mkdir -p '%s' && cp '%s/formats/grey.jpg' '%s/a.jpg' && echo 'some notes' > '%s/notes'",
        src, TESTDATA, src, src);
    sh(cmd);
    write_jpeg_as(at(src, "photo"));
    FMT(args, "s3 cp --quiet --recursive '%s' s3://photos/skip", src);
    s3server_aws(&srv, args);

    proc_result_t r =
        tg_run(BIN, "s3://photos/skip", "s3://thumbs/skip", "--manifest", manifest, NULL);
    expect_run(&r, 0, 2, 0, 1, 0);
    assert_string_equal(field_of(manifest, "/notes", "status"), "\"skipped\"");
    assert_string_equal(field_of(manifest, "/notes", "error"), "\"not an image\"");
    assert_string_equal(field_of(manifest, "/photo", "status"), "\"made\"");
    assert_string_equal(keys_under("skip"), "skip/" SKIPREC "notes\tskip/a.jpg\tskip/photo.jpg");

    /* Nothing changed: skipped again, not an image, from the listing alone: 0 GET, 0 PUT. */
    int gets = s3server_requests(&srv, "GET /photos/skip/");
    int puts = s3server_requests(&srv, "PUT ");
    r = tg_run(BIN, "s3://photos/skip", "s3://thumbs/skip", "--manifest", manifest, "--stats",
               NULL);
    int lines = 0;
    for (const char *p = r.err; (p = strstr(p, "S3 requests: ")) != NULL; p++, lines++)
        if (strncmp(strchr(p, ','), ", 0 GET, 0 PUT, 0 DeleteObjects", 31) != 0)
            fail_msg("--stats: %s", r.err);
    assert_int_equal(lines, 2); /* the source's and the store's */
    expect_run(&r, 0, 0, 2, 1, 0);
    assert_string_equal(field_of(manifest, "/notes", "status"), "\"skipped\"");
    assert_string_equal(field_of(manifest, "/notes", "error"), "\"not an image\"");
    assert_string_equal(field_of(manifest, "/notes", "dst"), "null");
    assert_int_equal(s3server_requests(&srv, "GET /photos/skip/"), gets);
    assert_int_equal(s3server_requests(&srv, "PUT "), puts);

    /* A minute passes; notes is replaced by a JPEG: fetched, made, and its record goes. */
    FMT(cmd, "find '%s' -name '*._S3rver_object' -exec touch -d '1 minute ago' {} +", srv.data);
    sh(cmd);
    FMT(args, "s3 cp --quiet '%s/photo' s3://photos/skip/notes", src);
    s3server_aws(&srv, args);
    r = tg_run(BIN, "s3://photos/skip", "s3://thumbs/skip", "--manifest", manifest, NULL);
    expect_run(&r, 0, 1, 2, 0, 0);
    assert_string_equal(field_of(manifest, "/notes", "status"), "\"made\"");
    assert_string_equal(keys_under("skip"), "skip/a.jpg\tskip/notes.jpg\tskip/photo.jpg");

    /* A text object gets a record, then is deleted: --prune removes the record. */
    FMT(cmd, "echo 'more notes' > '%s/gone'", src);
    sh(cmd);
    FMT(args, "s3 cp --quiet '%s/gone' s3://photos/skip/gone", src);
    s3server_aws(&srv, args);
    r = tg_run(BIN, "s3://photos/skip", "s3://thumbs/skip", NULL);
    expect_run(&r, 0, 0, 3, 1, 0);
    assert_non_null(strstr(keys_under("skip"), "skip/" SKIPREC "gone"));
    s3server_aws(&srv, "s3 rm --quiet s3://photos/skip/gone");
    r = tg_run(BIN, "s3://photos/skip", "s3://thumbs/skip", "--prune", "--manifest", manifest,
               NULL);
    if (r.status != 0 ||
        strstr(r.err, "0 made, 3 up to date, 0 skipped, 0 failed, 1 removed") == NULL)
        fail_msg("status %d: %s", r.status, r.err);
    proc_result_free(&r);
    FMT(cmd, "grep -qF '\"status\":\"removed\",\"dst\":\"s3://thumbs/skip/" SKIPREC "gone\"' '%s'",
        manifest);
    sh(cmd);
    assert_string_equal(keys_under("skip"), "skip/a.jpg\tskip/notes.jpg\tskip/photo.jpg");
}

/* Fails unless path is there and is the same file as before (never written again). */
static void expect_same_file(const char *path, const struct stat *before)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_ino == before->st_ino && st.st_mtim.tv_sec == before->st_mtim.tv_sec &&
                st.st_mtim.tv_nsec == before->st_mtim.tv_nsec);
}

/* The folder store: a file without an extension that is not an image is remembered as skipped;
 * the rerun skips it without decoding it (its record is not written again, and --prune keeps
 * it and the gallery shows nothing of it), a touch or --force tries again, made its record goes,
 * deleted --prune removes it. */
static void folder_skip_records(void **state)
{
    (void)state;
    tg_dirs_t d;
    dirs_make(&d, "skiprec");
    char cmd[2048], notes[256], record[256];
    FMT(notes, "%s/notes", d.src);
    FMT(record, "%s/" SKIPREC "notes", d.dst);
    FMT(cmd, "cp '%s/formats/grey.jpg' '%s/a.jpg' && echo 'some notes' > '%s'", TESTDATA, d.src,
        notes);
    sh(cmd);
    write_jpeg_as(at(d.src, "photo"));

    proc_result_t r = tg_run(BIN, d.src, d.dst, "--html", "--manifest", d.manifest, NULL);
    expect_run(&r, 0, 2, 0, 1, 0);
    assert_string_equal(field_of(d.manifest, "/notes", "error"), "\"not an image\"");
    char *text = slurp(record);
    assert_non_null(text);
    assert_non_null(strstr(text, "notes: not an image"));
    struct stat rec1;
    assert_int_equal(stat(record, &rec1), 0);
    char page[256];
    FMT(page, "%s/index.html", d.dst);
    char *html = slurp(page);
    assert_non_null(html);
    assert_null(strstr(html, "thumbgen-skipped"));

    /* Nothing changed: skipped again from its record, not decoded (the record is not written
     * again), and --prune keeps it. */
    r = tg_run(BIN, d.src, d.dst, "--html", "--prune", "--manifest", d.manifest, NULL);
    assert_non_null(strstr(r.err, "0 failed, 0 removed"));
    expect_run(&r, 0, 0, 2, 1, 0);
    assert_string_equal(field_of(d.manifest, "/notes", "status"), "\"skipped\"");
    assert_string_equal(field_of(d.manifest, "/notes", "error"), "\"not an image\"");
    expect_same_file(record, &rec1);

    /* Touched: tried again (its record written anew); then known again. */
    FMT(cmd, "touch -d '2020-05-05 10:00:00' '%s'", notes);
    sh(cmd);
    r = tg_run(BIN, d.src, d.dst, "--manifest", d.manifest, NULL);
    expect_run(&r, 0, 0, 2, 1, 0);
    assert_string_equal(field_of(d.manifest, "/notes", "error"), "\"not an image\"");
    struct stat rec2;
    assert_int_equal(stat(record, &rec2), 0);
    assert_true(rec2.st_ino != rec1.st_ino);
    r = tg_run(BIN, d.src, d.dst, NULL);
    expect_run(&r, 0, 0, 2, 1, 0);
    expect_same_file(record, &rec2);

    /* --force tries again. */
    r = tg_run(BIN, d.src, d.dst, "--force", NULL);
    expect_run(&r, 0, 2, 0, 1, 0);
    assert_int_equal(stat(record, &rec1), 0);
    assert_true(rec1.st_ino != rec2.st_ino);

    /* Replaced by an image: made, and its record goes. */
    write_jpeg_as(notes);
    r = tg_run(BIN, d.src, d.dst, "--manifest", d.manifest, NULL);
    expect_run(&r, 0, 1, 2, 0, 0);
    assert_int_equal(access(record, F_OK), -1);

    /* A text file gets a record, then is deleted: --prune removes the record. */
    char gone[256], gone_rec[256];
    FMT(gone, "%s/gone", d.src);
    FMT(gone_rec, "%s/" SKIPREC "gone", d.dst);
    FMT(cmd, "echo 'more notes' > '%s'", gone);
    sh(cmd);
    r = tg_run(BIN, d.src, d.dst, NULL);
    expect_run(&r, 0, 0, 3, 1, 0);
    assert_int_equal(access(gone_rec, F_OK), 0);
    assert_int_equal(unlink(gone), 0);
    r = tg_run(BIN, d.src, d.dst, "--prune", NULL);
    if (r.status != 0 ||
        strstr(r.err, "0 made, 3 up to date, 0 skipped, 0 failed, 1 removed") == NULL)
        fail_msg("status %d: %s", r.status, r.err);
    proc_result_free(&r);
    assert_int_equal(access(gone_rec, F_OK), -1);
    assert_int_equal(count_outputs(d.dst, ".jpg"), 3);
    dirs_remove(&d);
}

/* The folder store: the same sequence, with --html; a touched source is tried again, the record
 * is never a thumbnail to --prune or the gallery, and the page keeps the decoder's words. */
static void folder_records(void **state)
{
    (void)state;
    tg_dirs_t d;
    dirs_make(&d, "failrec");
    char cmd[2048];
    FMT(cmd,
        "cp '%s/formats/grey.jpg' '%s/a.jpg' && cp '%s/formats/grey.jpg' '%s/b.jpg' && echo '{}' "
        "> '%s/a.jpg.json'",
        TESTDATA, d.src, TESTDATA, d.src, d.src);
    sh(cmd);
    char broken[256], record[256], page[256];
    FMT(broken, "%s/broken.jpg", d.src);
    FMT(record, "%s/" REC "broken.jpg", d.dst);
    FMT(page, "%s/index.html", d.dst);
    write_broken(broken);

    proc_result_t r = tg_run(BIN, d.src, d.dst, "--html", "--manifest", d.manifest, NULL);
    expect_run(&r, 1, 2, 0, 1, 1);
    expect_error(d.manifest, "broken.jpg", "\"not a recognised image format");
    char *text = slurp(record);
    assert_non_null(text);
    assert_non_null(strstr(text, "broken.jpg: not a recognised image format"));
    char *html = slurp(page);
    assert_non_null(html);
    html = strdup(html);
    assert_non_null(strstr(html, "not a recognised image format"));
    assert_null(strstr(html, "thumbgen-failed"));
    struct stat rec1, page1;
    assert_int_equal(stat(record, &rec1), 0);
    assert_int_equal(stat(page, &page1), 0);

    /* Nothing changed: reported failed before, not decoded, nothing written (the page and the
     * record untouched), and --prune sees no thumbnail in the record. */
    r = tg_run(BIN, d.src, d.dst, "--html", "--prune", "--manifest", d.manifest, NULL);
    assert_non_null(strstr(r.err, "broken.jpg: failed before and has not changed since (failure "
                                  "entry "));
    assert_non_null(strstr(r.err, "1 failed, 0 removed"));
    expect_run(&r, 1, 0, 2, 1, 1);
    expect_error(d.manifest, "broken.jpg", FAILED_BEFORE);
    struct stat st;
    assert_int_equal(stat(record, &st), 0);
    assert_true(st.st_mtim.tv_sec == rec1.st_mtim.tv_sec &&
                st.st_mtim.tv_nsec == rec1.st_mtim.tv_nsec && st.st_ino == rec1.st_ino);
    assert_int_equal(stat(page, &st), 0);
    assert_true(st.st_ino == page1.st_ino);
    assert_string_equal(slurp(page), html);
    free(html);

    /* Touched (a new mtime): tried again, the decoder's words again, its record rewritten. */
    FMT(cmd, "touch -d '2020-05-05 10:00:00' '%s'", broken);
    sh(cmd);
    r = tg_run(BIN, d.src, d.dst, "--manifest", d.manifest, NULL);
    expect_run(&r, 1, 0, 2, 1, 1);
    expect_error(d.manifest, "broken.jpg", "\"not a recognised image format");
    assert_int_equal(stat(record, &st), 0);
    assert_true(st.st_ino != rec1.st_ino);
    r = tg_run(BIN, d.src, d.dst, "--manifest", d.manifest, NULL);
    expect_run(&r, 1, 0, 2, 1, 1);
    expect_error(d.manifest, "broken.jpg", FAILED_BEFORE);

    /* --force tries again. */
    r = tg_run(BIN, d.src, d.dst, "--force", "--manifest", d.manifest, NULL);
    expect_run(&r, 1, 2, 0, 1, 1);
    expect_error(d.manifest, "broken.jpg", "\"not a recognised image format");

    /* Replaced by a good image: made, and its record goes. */
    FMT(cmd, "cp '%s/formats/grey.jpg' '%s'", TESTDATA, broken);
    sh(cmd);
    r = tg_run(BIN, d.src, d.dst, "--html", NULL);
    expect_run(&r, 0, 1, 2, 1, 0);
    assert_int_equal(access(record, F_OK), -1);
    html = slurp(page);
    assert_non_null(html);
    assert_null(strstr(html, "not a recognised image format"));

    /* A broken file gets a record, then is deleted: --prune removes the record (and only it). */
    char gone[256], gone_rec[256];
    FMT(gone, "%s/gone.jpg", d.src);
    FMT(gone_rec, "%s/" REC "gone.jpg", d.dst);
    write_broken(gone);
    r = tg_run(BIN, d.src, d.dst, NULL);
    expect_run(&r, 1, 0, 3, 1, 1);
    assert_int_equal(access(gone_rec, F_OK), 0);
    assert_int_equal(unlink(gone), 0);
    r = tg_run(BIN, d.src, d.dst, "--prune", "--manifest", d.manifest, NULL);
    if (r.status != 0 ||
        strstr(r.err, "0 made, 3 up to date, 1 skipped, 0 failed, 1 removed") == NULL)
        fail_msg("status %d: %s", r.status, r.err);
    proc_result_free(&r);
    assert_int_equal(access(gone_rec, F_OK), -1);
    assert_int_equal(count_outputs(d.dst, ".jpg"), 3);
    dirs_remove(&d);
}

/* --watch: a broken file's record is written as it fails; saved again with other broken bytes
 * (a new identity) it is tried again, saved as an image it is made and its record goes, and a
 * broken file deleted loses its record (--prune), as does a text file without an extension (its
 * record says "not an image"). */
static void watch_records(void **state)
{
    (void)state;
    tg_dirs_t d;
    dirs_make(&d, "failrec-watch");
    char broken[256], record[256], gone[256];
    FMT(broken, "%s/broken.jpg", d.src);
    FMT(record, "%s/" REC "broken.jpg", d.dst);
    FMT(gone, "%s/gone.jpg", d.src);
    write_png(at(d.src, "a.png"), 40, 20);
    write_broken(broken);
    write_broken(gone);
    char notes[256], notes_rec[256], cmd[1024];
    FMT(notes, "%s/notes", d.src);
    FMT(notes_rec, "%s/" SKIPREC "notes", d.dst);
    FMT(cmd, "echo 'some notes' > '%s'", notes);
    sh(cmd);
    char *argv[] = {BIN, d.src, d.dst, "--watch", "--prune", "-j", "2", NULL};
    watcher_t w;
    watcher_start(&w, d.root, argv);
    while (seen_count(&w, "broken.jpg\"", "not a recognised image format") == 0 ||
           seen_count(&w, "gone.jpg\"", "not a recognised image format") == 0 ||
           seen_count(&w, "notes\"", "not an image") == 0)
        expect(&w, "\"error\":\"not a", NULL); /* the first pass's, in any order */
    assert_int_equal(access(record, F_OK), 0);
    assert_int_equal(access(notes_rec, F_OK), 0);

    write_broken(broken);
    expect(&w, "broken.jpg\"", "\"failed\"", "not a recognised image format", NULL);
    assert_int_equal(seen_count(&w, "broken.jpg\"", "failed before"), 0);
    write_png(broken, 30, 30);
    expect(&w, "broken.jpg\"", "\"made\"", NULL);
    assert_int_equal(access(record, F_OK), -1);

    assert_int_equal(unlink(gone), 0);
    expect(&w, "\"removed\"", REC "gone.jpg", NULL);
    assert_int_equal(unlink(notes), 0);
    expect(&w, "\"removed\"", SKIPREC "notes", NULL);
    kill(w.pid, SIGINT);
    char *err = NULL;
    watcher_finish(&w, &err);
    free(err);
    watcher_running = 0;
    char gone_rec[256];
    FMT(gone_rec, "%s/" REC "gone.jpg", d.dst);
    assert_int_equal(access(gone_rec, F_OK), -1);
    assert_int_equal(access(notes_rec, F_OK), -1);
    dirs_remove(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(s3_records),          cmocka_unit_test(s3_skip_records),
        cmocka_unit_test(folder_skip_records), cmocka_unit_test(folder_records),
        cmocka_unit_test(watch_records),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
