#include "outputs.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
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

void sh(const char *cmd)
{
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    proc_result_t r;
    assert_int_equal(proc_run(argv, &r), 0);
    if (r.status != 0)
        fail_msg("%s: %s", cmd, r.err);
    proc_result_free(&r);
}

proc_result_t tg_vrun(const char *bin, const char *first, va_list ap)
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
