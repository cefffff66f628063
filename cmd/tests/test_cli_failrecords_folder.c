/* Failure records in the folder store (docs/DESIGN.md, "Identity and order"): a source whose bytes
 * failed to decode is remembered beside its thumbnails, keyed to its identity, so a rerun with
 * nothing changed reports it failed again (status 1) without decoding it; a touched source is
 * tried again, a made one loses its record, and --prune removes the record of a source that is
 * gone. A file without an image's extension that is not an image is skipped ("not an image") and
 * remembered the same way, in a record of its own kind. Manifests are read by Python's json. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
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
    tg_record_t notes = record_of(&d, SKIPREC, "notes");
    shf("cp '%s/formats/grey.jpg' '%s/a.jpg' && echo 'some notes' > '%s'", TESTDATA, d.src,
        notes.src);
    write_jpeg_as(at(d.src, "photo"));

    expect_run(tg_run(BIN, d.src, d.dst, "--html", "--manifest", d.manifest, NULL), 0, 2, 0, 1, 0);
    expect_manifest(d.manifest, "'src$=/notes'", "error", "\"not an image\"");
    char *text = slurp(notes.rec);
    assert_non_null(text);
    assert_non_null(strstr(text, "notes: not an image"));
    struct stat rec1;
    assert_int_equal(stat(notes.rec, &rec1), 0);
    char page[256];
    FMT(page, "%s/index.html", d.dst);
    char *html = slurp(page);
    assert_non_null(html);
    assert_null(strstr(html, "thumbgen-skipped"));

    /* Nothing changed: skipped again from its record, not decoded (the record is not written
     * again), and --prune keeps it. */
    proc_result_t r =
        tg_run(BIN, d.src, d.dst, "--html", "--prune", "--manifest", d.manifest, NULL);
    assert_non_null(strstr(r.err, "0 failed, 0 removed"));
    expect_run(r, 0, 0, 2, 1, 0);
    expect_manifest(d.manifest, "'src$=/notes'", "status", "\"skipped\"");
    expect_manifest(d.manifest, "'src$=/notes'", "error", "\"not an image\"");
    expect_same_file(notes.rec, &rec1);

    /* Touched: tried again (its record written anew); then known again. */
    shf("touch -d '2020-05-05 10:00:00' '%s'", notes.src);
    expect_run(tg_run(BIN, d.src, d.dst, "--manifest", d.manifest, NULL), 0, 0, 2, 1, 0);
    expect_manifest(d.manifest, "'src$=/notes'", "error", "\"not an image\"");
    struct stat rec2;
    assert_int_equal(stat(notes.rec, &rec2), 0);
    assert_true(rec2.st_ino != rec1.st_ino);
    expect_run(tg_run(BIN, d.src, d.dst, NULL), 0, 0, 2, 1, 0);
    expect_same_file(notes.rec, &rec2);

    /* --force tries again. */
    expect_run(tg_run(BIN, d.src, d.dst, "--force", NULL), 0, 2, 0, 1, 0);
    assert_int_equal(stat(notes.rec, &rec1), 0);
    assert_true(rec1.st_ino != rec2.st_ino);

    /* Replaced by an image: made, and its record goes. */
    write_jpeg_as(notes.src);
    expect_run(tg_run(BIN, d.src, d.dst, "--manifest", d.manifest, NULL), 0, 1, 2, 0, 0);
    assert_int_equal(access(notes.rec, F_OK), -1);

    /* A text file gets a record, then is deleted: --prune removes the record. */
    tg_record_t gone = record_of(&d, SKIPREC, "gone");
    shf("echo 'more notes' > '%s'", gone.src);
    expect_run(tg_run(BIN, d.src, d.dst, NULL), 0, 0, 3, 1, 0);
    assert_int_equal(access(gone.rec, F_OK), 0);
    assert_int_equal(unlink(gone.src), 0);
    expect_says(tg_run(BIN, d.src, d.dst, "--prune", NULL), 0,
                "0 made, 3 up to date, 0 skipped, 0 failed, 1 removed");
    assert_int_equal(access(gone.rec, F_OK), -1);
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
    shf("cp '%s/formats/grey.jpg' '%s/a.jpg' && cp '%s/formats/grey.jpg' '%s/b.jpg' && echo '{}' "
        "> '%s/a.jpg.json'",
        TESTDATA, d.src, TESTDATA, d.src, d.src);
    tg_record_t broken = record_of(&d, REC, "broken.jpg");
    char page[256];
    FMT(page, "%s/index.html", d.dst);
    write_broken(broken.src);

    expect_run(tg_run(BIN, d.src, d.dst, "--html", "--manifest", d.manifest, NULL), 1, 2, 0, 1, 1);
    expect_error(d.manifest, "broken.jpg", "\"not a recognised image format");
    char *text = slurp(broken.rec);
    assert_non_null(text);
    assert_non_null(strstr(text, "broken.jpg: not a recognised image format"));
    char *html = slurp(page);
    assert_non_null(html);
    html = strdup(html);
    assert_non_null(strstr(html, "not a recognised image format"));
    assert_null(strstr(html, "thumbgen-failed"));
    struct stat rec1, page1;
    assert_int_equal(stat(broken.rec, &rec1), 0);
    assert_int_equal(stat(page, &page1), 0);

    /* Nothing changed: reported failed before, not decoded, nothing written (the page and the
     * record untouched), and --prune sees no thumbnail in the record. */
    proc_result_t r =
        tg_run(BIN, d.src, d.dst, "--html", "--prune", "--manifest", d.manifest, NULL);
    char said[512];
    FMT(said,
        "broken.jpg: failed before and has not changed since (recorded in %s; --force "
        "tries again)",
        broken.rec);
    if (strstr(r.err, said) == NULL)
        fail_msg("no '%s' in:\n%s", said, r.err);
    assert_non_null(strstr(r.err, "1 failed, 0 removed"));
    expect_run(r, 1, 0, 2, 1, 1);
    expect_error(d.manifest, "broken.jpg", FAILED_BEFORE);
    struct stat st;
    assert_int_equal(stat(broken.rec, &st), 0);
    assert_true(st.st_mtim.tv_sec == rec1.st_mtim.tv_sec &&
                st.st_mtim.tv_nsec == rec1.st_mtim.tv_nsec && st.st_ino == rec1.st_ino);
    assert_int_equal(stat(page, &st), 0);
    assert_true(st.st_ino == page1.st_ino);
    assert_string_equal(slurp(page), html);
    free(html);

    /* Touched (a new mtime): tried again, the decoder's words again, its record rewritten. */
    shf("touch -d '2020-05-05 10:00:00' '%s'", broken.src);
    expect_run(tg_run(BIN, d.src, d.dst, "--manifest", d.manifest, NULL), 1, 0, 2, 1, 1);
    expect_error(d.manifest, "broken.jpg", "\"not a recognised image format");
    assert_int_equal(stat(broken.rec, &st), 0);
    assert_true(st.st_ino != rec1.st_ino);
    expect_run(tg_run(BIN, d.src, d.dst, "--manifest", d.manifest, NULL), 1, 0, 2, 1, 1);
    expect_error(d.manifest, "broken.jpg", FAILED_BEFORE);

    /* --force tries again. */
    expect_run(tg_run(BIN, d.src, d.dst, "--force", "--manifest", d.manifest, NULL), 1, 2, 0, 1, 1);
    expect_error(d.manifest, "broken.jpg", "\"not a recognised image format");

    /* Replaced by a good image: made, and its record goes. */
    shf("cp '%s/formats/grey.jpg' '%s'", TESTDATA, broken.src);
    expect_run(tg_run(BIN, d.src, d.dst, "--html", NULL), 0, 1, 2, 1, 0);
    assert_int_equal(access(broken.rec, F_OK), -1);
    html = slurp(page);
    assert_non_null(html);
    assert_null(strstr(html, "not a recognised image format"));

    /* A broken file gets a record, then is deleted: --prune removes the record (and only it). */
    tg_record_t gone = record_of(&d, REC, "gone.jpg");
    write_broken(gone.src);
    expect_run(tg_run(BIN, d.src, d.dst, NULL), 1, 0, 3, 1, 1);
    assert_int_equal(access(gone.rec, F_OK), 0);
    assert_int_equal(unlink(gone.src), 0);
    expect_says(tg_run(BIN, d.src, d.dst, "--prune", "--manifest", d.manifest, NULL), 0,
                "0 made, 3 up to date, 1 skipped, 0 failed, 1 removed");
    assert_int_equal(access(gone.rec, F_OK), -1);
    assert_int_equal(count_outputs(d.dst, ".jpg"), 3);
    dirs_remove(&d);
}

/* One source, its verdict changing kind: a file without an extension holding a truncated JPEG
 * fails (a failure record), then holds text ("not an image": a skip record, the failure record
 * gone), then the truncated JPEG again (the skip record gone): each record replaces the other,
 * and a rerun then reports the last verdict from its record. */
static void record_switches_kind(void **state)
{
    (void)state;
    tg_dirs_t d;
    dirs_make(&d, "reckind");
    char cmd[1024], failed[256], skipped[256];
    FMT(failed, "%s/" REC "x", d.dst);
    FMT(skipped, "%s/" SKIPREC "x", d.dst);
    const char *src = at(d.src, "x");
    for (int round = 0; round < 3; round++) {
        bool text = round == 1;
        if (text)
            FMT(cmd, "echo 'plain text' > '%s' && touch -d '+1 hour' '%s'", src, src);
        else
            FMT(cmd, "head -c 3000 '%s/formats/grey.jpg' > '%s' && touch -d '+%d hours' '%s'",
                TESTDATA, src, round + 1, src);
        sh(cmd);
        expect_run(tg_run(BIN, d.src, d.dst, NULL), text ? 0 : 1, 0, 0, text ? 1 : 0, text ? 0 : 1);
        assert_int_equal(access(text ? skipped : failed, F_OK), 0);
        assert_int_equal(access(text ? failed : skipped, F_OK), -1);
    }
    proc_result_t r = tg_run(BIN, d.src, d.dst, NULL);
    assert_non_null(strstr(r.err, "x: failed before and has not changed since"));
    expect_run(r, 1, 0, 0, 0, 1);
    dirs_remove(&d);
}

/* How many of dir's own entries have names starting with prefix. */
static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* Names as long as a name may be (250 bytes) get records too, each its own though the two share
 * their first 240 bytes (a start and a hash of the whole name); --prune removes the record of
 * the one deleted and keeps the other's. */
static void long_names_recorded(void **state)
{
    (void)state;
    tg_dirs_t d;
    dirs_make(&d, "reclong");
    char name[2][256];
    for (int i = 0; i < 2; i++) {
        memset(name[i], 'n', 240);
        FMT(name[i] + 240, "%06d.jpg", i); /* 250 bytes */
        write_broken(at(d.src, name[i]));
    }
    expect_run(tg_run(BIN, d.src, d.dst, NULL), 1, 0, 0, 0, 2);
    assert_int_equal(count_files(d.dst, REC), 2);
    proc_result_t r = tg_run(BIN, d.src, d.dst, NULL);
    assert_non_null(strstr(r.err, "000000.jpg: failed before and has not changed since"));
    assert_non_null(strstr(r.err, "000001.jpg: failed before and has not changed since"));
    expect_run(r, 1, 0, 0, 0, 2);
    assert_int_equal(unlink(at(d.src, name[0])), 0);
    r = tg_run(BIN, d.src, d.dst, "--prune", NULL);
    assert_non_null(strstr(r.err, "000001.jpg: failed before and has not changed since"));
    expect_run(r, 1, 0, 0, 0, 1);
    assert_int_equal(count_files(d.dst, REC), 1);
    dirs_remove(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folder_skip_records),
        cmocka_unit_test(folder_records),
        cmocka_unit_test(record_switches_kind),
        cmocka_unit_test(long_names_recorded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
