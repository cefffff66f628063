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
