#include "outputs.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdlib.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "proc.h"

int count_outputs(const char *dir, const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strncmp(e->d_name, REC, strlen(REC)) == 0 || /* a record */
            strncmp(e->d_name, SKIPREC, strlen(SKIPREC)) == 0)
            continue;
        char p[1024];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
            fail_msg("path too long");
        struct stat st;
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            n += count_outputs(p, part);
            continue;
        }
        if (part != NULL && strstr(e->d_name, part) == NULL)
            continue;
        n++;
        const char *dot = strrchr(e->d_name, '.');
        if (dot != NULL && strcmp(dot, ".jpg") == 0) {
            VipsImage *im = vips_image_new_from_file(p, "fail_on", VIPS_FAIL_ON_WARNING, NULL);
            if (im == NULL)
                fail_msg("%s does not load: %s", p, vips_error_buffer());
            double avg;
            if (vips_avg(im, &avg, NULL) != 0)
                fail_msg("%s does not decode: %s", p, vips_error_buffer());
            g_object_unref(im);
        }
    }
    if (d != NULL)
        closedir(d);
    return n;
}

int shutdown_vips(int rc)
{
    vips_shutdown();
    return rc;
}

VipsImage *load(const char *path)
{
    VipsImage *im = vips_image_new_from_file(path, "access", VIPS_ACCESS_RANDOM, NULL);
    if (im == NULL)
        fail_msg("cannot load %s: %s", path, vips_error_buffer());
    return im;
}

double mean_abs_diff(VipsImage *a, VipsImage *b)
{
    VipsImage *d, *ab;
    double avg = 1e9;
    if (vips_subtract(a, b, &d, NULL) == 0) {
        if (vips_abs(d, &ab, NULL) == 0) {
            vips_avg(ab, &avg, NULL);
            g_object_unref(ab);
        }
        g_object_unref(d);
    }
    return avg;
}

void browser_check(const char *js_dir, const char *dir, const char *opt, const char *arg)
{
    char js[512], modules[512];
    FMT(js, "%s/check.js", js_dir);
    FMT(modules, "%s/node_modules", js_dir);
    if (access("/usr/bin/chromium", X_OK) != 0 || access(modules, F_OK) != 0)
        fail_msg("the browser test needs Debian's chromium and its driver: apt-get install "
                 "chromium && npm ci --prefix %s",
                 js_dir);
    proc_result_t r = opt ? tg_run("/usr/bin/env", "node", js, dir, opt, arg, NULL)
                          : tg_run("/usr/bin/env", "node", js, dir, NULL);
    if (r.status != 0)
        fail_msg("Chromium on %s: status %d:\n%s%s", dir, r.status, r.out, r.err);
    proc_result_free(&r);
}

char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

const char *manifest_field(const char *manifest, const char *conds, const char *field)
{
    return shf_line("python3 '%s' get '%s' %s %s", MANIFEST_PY, manifest, conds, field);
}

void expect_manifest(const char *manifest, const char *conds, const char *field, const char *want)
{
    const char *got = manifest_field(manifest, conds, field);
    if (strcmp(got, want) != 0)
        fail_msg("%s of the line %s in %s: %s, not %s", field, conds, manifest, got, want);
}

void expect_error(const char *manifest, const char *name, const char *prefix)
{
    char conds[512];
    FMT(conds, "'src$=%s'", name);
    const char *got = manifest_field(manifest, conds, "error");
    if (strncmp(got, prefix, strlen(prefix)) != 0)
        fail_msg("error of %s: %s, not %s...", name, got, prefix);
}

void run_ok(char *const argv[])
{
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    if (r.status != 0)
        fail_msg("%s %s: status %d\n%s%s", argv[0], argv[1] ? argv[1] : "", r.status, r.out, r.err);
    proc_result_free(&r);
}

void sh(const char *cmd)
{
    run_ok((char *[]){"/bin/sh", "-c", (char *)cmd, NULL});
}

/* shf and shf_line: runs the command formatted from fmt and ap, returns its first line. */
static const char *vshf_line(const char *fmt, va_list ap)
{
    static char got[1 << 16];
    char cmd[8192];
    if (vsnprintf(cmd, sizeof cmd, fmt, ap) >= (int)sizeof cmd)
        fail_msg("command too long");
    proc_result_t r;
    assert_int_equal(proc_run((char *[]){"/bin/sh", "-c", cmd, NULL}, &r), 0);
    if (r.status != 0)
        fail_msg("%s: status %d\n%s%s", cmd, r.status, r.out, r.err);
    r.out[strcspn(r.out, "\n")] = '\0';
    snprintf(got, sizeof got, "%s", r.out);
    proc_result_free(&r);
    return got;
}

void shf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vshf_line(fmt, ap);
    va_end(ap);
}

const char *shf_line(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *got = vshf_line(fmt, ap);
    va_end(ap);
    return got;
}

static proc_result_t tg_vrun(const char *bin, const char *first, va_list ap)
{
    char *argv[32] = {(char *)bin};
    int n = 1;
    for (const char *a = first; a != NULL && n < 31; a = va_arg(ap, const char *))
        argv[n++] = (char *)a;
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    return r;
}

proc_result_t tg_run(const char *bin, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    proc_result_t r = tg_vrun(bin, first, ap);
    va_end(ap);
    return r;
}

void tg_expect(int status, const char *bin, const char *first, ...)
{
    va_list ap;
    va_start(ap, first);
    proc_result_t r = tg_vrun(bin, first, ap);
    va_end(ap);
    expect_says(r, status, ""); /* any stderr */
}

void dirs_make(tg_dirs_t *d, const char *tag)
{
    memset(d, 0, sizeof *d);
    FMT(d->root, "/tmp/tg-%s-XXXXXX", tag);
    if (mkdtemp(d->root) == NULL)
        fail_msg("cannot make a temporary folder for %s", tag);
    chmod(d->root, 0755); /* for the tests that run thumbgen as another user */
    FMT(d->src, "%s/src", d->root);
    FMT(d->dst, "%s/out", d->root);
    FMT(d->manifest, "%s/manifest.jsonl", d->root);
    if (mkdir(d->src, 0777) != 0)
        fail_msg("cannot make %s", d->src);
}

void dirs_remove(tg_dirs_t *d)
{
    if (d->root[0] == '\0')
        return;
    shf("umount '%s' 2>/dev/null; rm -rf '%s'", d->dst, d->root);
    d->root[0] = '\0';
}

tg_dirs_t test_dirs;

int setup_dirs(void **state)
{
    (void)state;
    dirs_make(&test_dirs, program_invocation_short_name);
    return 0;
}

int teardown_dirs(void **state)
{
    (void)state;
    dirs_remove(&test_dirs);
    return 0;
}

int setup_testdata(void **state)
{
    setup_dirs(state);
    shf("cp -r '%s'/. '%s'", TESTDATA, test_dirs.src);
    *state = &test_dirs;
    return 0;
}

char *at(const char *dir, const char *rel)
{
    static char buf[8][512];
    static int k;
    char *p = buf[k++ % 8], tmp[512]; /* dir or rel may be the buffer reused */
    FMT(tmp, "%s/%s", dir, rel);
    memcpy(p, tmp, sizeof tmp);
    return p;
}

static bool image_name(const char *name)
{
    static const char *const exts[] = {"jpg",  "jpeg", "png",  "gif", "webp", "tif", "tiff",
                                       "avif", "heic", "heif", "jxl", "svg",  "pdf"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot + 1, exts[i]) == 0)
            return true;
    return false;
}

static tg_tree_t *walking;
static size_t walk_root;

static int tree_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag;
    if (ftw->level == 0 || !S_ISREG(st->st_mode))
        return 0;
    const char *rel = path + walk_root;
    if (rel[0] == '.' || strstr(rel, "/.") != NULL)
        return 0; /* hidden, or in a hidden folder: the walk passes it over */
    tg_tree_t *t = walking;
    if (!image_name(path + ftw->base)) {
        t->nother++;
        return 0;
    }
    bool bad = strncmp(rel, "bad/", 4) == 0 || strstr(rel, "/bad/") != NULL;
    char ***v = bad ? &t->bad : &t->good;
    int *n = bad ? &t->nbad : &t->ngood;
    *v = realloc(*v, (size_t)(*n + 1) * sizeof **v);
    (*v)[(*n)++] = strdup(rel);
    return 0;
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void tree_list(const char *src, tg_tree_t *t)
{
    memset(t, 0, sizeof *t);
    walking = t;
    walk_root = strlen(src) + 1;
    if (nftw(src, tree_entry, 16, FTW_PHYS) != 0)
        fail_msg("cannot walk %s", src);
    if (t->ngood > 1)
        qsort(t->good, (size_t)t->ngood, sizeof *t->good, by_str);
    if (t->nbad > 1)
        qsort(t->bad, (size_t)t->nbad, sizeof *t->bad, by_str);
}

void tree_free(tg_tree_t *t)
{
    for (int i = 0; i < t->ngood; i++)
        free(t->good[i]);
    for (int i = 0; i < t->nbad; i++)
        free(t->bad[i]);
    free(t->good);
    free(t->bad);
    memset(t, 0, sizeof *t);
}

void expect_summary(const char *err, int made, int up_to_date, int skipped, int failed)
{
    char want[160];
    FMT(want, "%d made, %d up to date, %d skipped, %d failed", made, up_to_date, skipped, failed);
    if (strstr(err, want) == NULL)
        fail_msg("expected \"%s\" in:\n%s", want, err);
}

void expect_run(proc_result_t r, int status, int made, int up, int skipped, int failed)
{
    if (r.status != status)
        fail_msg("status %d, not %d:\n%s", r.status, status, r.err);
    expect_summary(r.err, made, up, skipped, failed);
    proc_result_free(&r);
}

void expect_says(proc_result_t r, int status, const char *text)
{
    if (r.status != status || strstr(r.err, text) == NULL)
        fail_msg("status %d (not %d) or no \"%s\" in:\n%s", r.status, status, text, r.err);
    proc_result_free(&r);
}

tg_record_t record_of(const tg_dirs_t *d, const char *kind, const char *name)
{
    tg_record_t r;
    FMT(r.src, "%s/%s", d->src, name);
    FMT(r.rec, "%s/%s%s", d->dst, kind, name);
    return r;
}

void write_broken(const char *path)
{
    shf("yes 'thumbgen test: these bytes are no image.' | head -c 3000 > '%s'", path);
}

void write_black(const char *path, int w, int h, time_t secs)
{
    VipsImage *im;
    assert_int_equal(vips_black(&im, w, h, "bands", 3, NULL), 0);
    assert_int_equal(vips_image_write_to_file(im, path, NULL), 0);
    g_object_unref(im);
    if (secs != 0)
        set_mtime(path, secs);
}

void set_mtime(const char *path, time_t secs)
{
    struct timespec ts[2] = {{.tv_sec = secs}, {.tv_sec = secs}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

void expect_size(const char *path, int w, int h)
{
    VipsImage *im = load(path);
    int gw = vips_image_get_width(im), gh = vips_image_get_height(im);
    g_object_unref(im);
    if (gw != w || gh != h)
        fail_msg("%s is %dx%d, not %dx%d", path, gw, gh, w, h);
}

void write_jpeg_as(const char *path)
{
    shf("cp '%s/formats/grey.jpg' '%s'", TESTDATA, path);
}

char hue_at(VipsImage *im, int x, int y)
{
    VipsImage *patch;
    assert_int_equal(vips_extract_area(im, &patch, x - 3, y - 3, 7, 7, NULL), 0);
    double c[3];
    for (int b = 0; b < 3; b++) {
        VipsImage *band;
        assert_int_equal(vips_extract_band(patch, &band, b, NULL), 0);
        assert_int_equal(vips_avg(band, &c[b], NULL), 0);
        g_object_unref(band);
    }
    g_object_unref(patch);
    double r = c[0], g = c[1], b = c[2], d = 60;
    if (r > b + d && g > b + d)
        return 'y';
    if (g > r + d && b > r + d)
        return 'c';
    if (r > g + d && b > g + d)
        return 'm';
    if (r > g + d && r > b + d)
        return 'r';
    if (g > r + d && g > b + d)
        return 'g';
    if (b > r + d && b > g + d)
        return 'b';
    return '?';
}

void quadrants(const char *path, char out[5], int *w, int *h)
{
    VipsImage *im = load(path);
    *w = im->Xsize;
    *h = im->Ysize;
    out[0] = hue_at(im, *w / 4, *h / 4);
    out[1] = hue_at(im, 3 * *w / 4, *h / 4);
    out[2] = hue_at(im, *w / 4, 3 * *h / 4);
    out[3] = hue_at(im, 3 * *w / 4, 3 * *h / 4);
    out[4] = '\0';
    g_object_unref(im);
}
