/* outputs: test helpers that inspect a thumbnail tree, and run set-up steps in the shell. Include
 * after cmocka.h. */
#ifndef CMD_TESTS_OUTPUTS_H
#define CMD_TESTS_OUTPUTS_H

#include <vips/vips.h>

#include "proc.h"

/* The names of the two kinds of record, ".thumbgen-failed.NAME" and ".thumbgen-skipped.NAME". */
#define REC ".thumbgen-failed."
#define SKIPREC ".thumbgen-skipped."
#define FAILED_BEFORE "\"failed before and has not changed since" /* a recorded failure's error */

/* Counts the regular files under dir (recursively) whose name contains part (NULL: every file),
 * records (".thumbgen-failed.NAME", ".thumbgen-skipped.NAME": docs/DESIGN.md) apart: they are no
 * thumbnails. Every counted .jpg must decode to its last pixel (the test fails otherwise), so a
 * partial or corrupt thumbnail can never be counted as made. */
int count_outputs(const char *dir, const char *part);

/* Shuts libvips down and returns rc: main's return shutdown_vips(cmocka_run_group_tests(...)). */
int shutdown_vips(int rc);

/* Opens an image for inspection (random access), failing the test if it does not load. */
VipsImage *load(const char *path);

/* The mean absolute difference of two images of the same size (a large value on error). */
double mean_abs_diff(VipsImage *a, VipsImage *b);

/* snprintf into an array, failing the test rather than truncating. */
#define FMT(buf, ...)                                                                              \
    do {                                                                                           \
        if (snprintf(buf, sizeof buf, __VA_ARGS__) >= (int)sizeof buf)                             \
            fail_msg("path too long");                                                             \
    } while (0)

/* Runs bin with the arguments from first on (NULL-terminated, at most 30), to completion; fails
 * the test if it cannot be run. */
proc_result_t tg_run(const char *bin, const char *first, ...);

/* tg_run, failing the test (with what it printed) unless it exits status. */
void tg_expect(int status, const char *bin, const char *first, ...);

/* Runs argv (argv[0] a path), failing the test (with what it printed) unless it exits 0; sh runs
 * cmd so with /bin/sh -c, and shf the command formatted as printf does (failing rather than
 * truncating). */
void run_ok(char *const argv[]);
void sh(const char *cmd);
void shf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs the command formatted as printf does with /bin/sh -c, failing the test (with what it said)
 * unless it exits 0; returns the first line it printed, in a static buffer. */
const char *shf_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A test's own temporary folder: root = /tmp/tg-TAG-XXXXXX, with the names src, dst (root/out) and
 * manifest (root/manifest.jsonl) inside it; src is created, empty. */
typedef struct tg_dirs {
    char root[64];
    char src[128], dst[128], manifest[128];
} tg_dirs_t;

/* Makes a fresh tg_dirs_t (failing the test if it cannot). */
void dirs_make(tg_dirs_t *d, const char *tag);

/* Removes d->root and everything in it, unmounting what a test mounted on d->dst first. */
void dirs_remove(tg_dirs_t *d);

/* For a test file whose tests each want one fresh folder: cmocka set-up and tear-down that make
 * and remove test_dirs (tagged with the program's name). */
extern tg_dirs_t test_dirs;
int setup_dirs(void **state);
int teardown_dirs(void **state);

/* setup_dirs, then a copy of testdata/ in test_dirs.src, for tests that run on the whole tree;
 * *state is &test_dirs. Tear down with teardown_dirs. */
int setup_testdata(void **state);

/* dir/rel, in one of 8 rotating buffers: keep a result in an array of your own if you need it
 * beyond a few more calls. Fails the test rather than truncating. */
char *at(const char *dir, const char *rel);

/* What a source tree holds, as a run reports it: its visible regular files relative to it, sorted,
 * split into good (an image extension, outside any folder called "bad"), bad (an image extension,
 * inside one) and other (no image extension: a run skips them). Derived from the tree itself, so
 * that adding a fixture file changes no test. */
typedef struct tg_tree {
    char **good, **bad;
    int ngood, nbad, nother;
} tg_tree_t;

void tree_list(const char *src, tg_tree_t *t);
void tree_free(tg_tree_t *t);

/* Fails the test unless err holds the summary "M made, U up to date, S skipped, F failed". */
void expect_summary(const char *err, int made, int up_to_date, int skipped, int failed);

/* Fails the test unless r ended with status and the summary "M made, U up to date, S skipped, F
 * failed"; frees r. */
void expect_run(proc_result_t r, int status, int made, int up, int skipped, int failed);

/* Fails unless r ended with status and its stderr says text; frees r. */
void expect_says(proc_result_t r, int status, const char *text);

/* FIELD, as JSON ("null", "\"text\"", "absent"), of the one line of manifest that meets conds
 * (cmd/tests/manifest.py get's conditions, shell-quoted: "'src$=a.jpg' 'status=\"made\"'"), in a
 * static buffer. The manifest is read by Python's json, not by thumbgen's words. */
const char *manifest_field(const char *manifest, const char *conds, const char *field);

/* Fails the test unless manifest_field(manifest, conds, field) is want. */
void expect_manifest(const char *manifest, const char *conds, const char *field, const char *want);

/* Fails the test unless the manifest's error for the line whose src ends with name starts with
 * prefix (a JSON string's start: "\"not a recognised"). */
void expect_error(const char *manifest, const char *name, const char *prefix);

/* A source file's path in d->src and its record's of kind (REC or SKIPREC) in d->dst. */
typedef struct tg_record {
    char src[256], rec[256];
} tg_record_t;
tg_record_t record_of(const tg_dirs_t *d, const char *kind, const char *name);

/* Writes 3000 bytes of text at path: under an image's name, a file that is read but that no
 * loader claims ("not a recognised image format"). The same bytes every time: random ones start
 * as some loader's magic about once in 1,400 files (then the words differ). */
void write_broken(const char *path);

/* Writes a black w x h image at path, in the format its extension names, dated secs (0: now). */
void write_black(const char *path, int w, int h, time_t secs);

/* Sets path's access and modification times to secs (and 0 ns). */
void set_mtime(const char *path, time_t secs);

/* Fails unless the image at path is w x h. */
void expect_size(const char *path, int w, int h);

/* Writes a JPEG's bytes (testdata's grey.jpg) at path, whatever its name. */
void write_jpeg_as(const char *path);

/* Opens the gallery under dir in Debian's Chromium, headless (js_dir/check.js: see there what it
 * checks), with an option and its argument when opt is not NULL; fails the test with what it said
 * unless every check passes, or, saying how to install them, when the browser or the pinned
 * driver is missing. */
void browser_check(const char *js_dir, const char *dir, const char *opt, const char *arg);

/* The first 64 KiB of a text file, in a static buffer; NULL if it cannot be opened. */
char *slurp(const char *path);

/* The hue of the mean colour of a 7x7 patch around (x, y) of im's first three bands: r g b (one
 * channel leads), c m y (two do), '?' (none clearly). */
char hue_at(VipsImage *im, int x, int y);

/* The hues of the four quadrants of the image at path (top left, top right, bottom left, bottom
 * right: "rgby"), and its size. */
void quadrants(const char *path, char out[5], int *w, int *h);

#endif
