/* End-to-end tests of what a thumbnail tells about its source's metadata: nothing by default (no
 * EXIF, so no GPS position and no camera serial number, no XMP, no IPTC) in every output format and
 * in the freedesktop cache; with --keep-metadata, what each format can carry. The sources are
 * testdata's photo tagged here with exiftool (GPS, a serial number, an XMP creator, IPTC keywords)
 * as a JPEG, and libvips' copies of it as a WebP and a PNG (which carry its EXIF and XMP). Every
 * output is read back by exiftool and by libvips. */
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

/* Every format -f takes. */
static const char *const formats[] = {"jpeg", "webp", "avif", "png", "gif"};
#define NFORMATS (sizeof formats / sizeof formats[0])

/* What exiftool finds in path's EXIF (GPS included), XMP and IPTC groups, one "[group] tag: value"
 * a line; "" when there is none. malloc'd. */
static char *private_tags(const char *path)
{
    char cmd[600];
    FMT(cmd, "exiftool -q -q -G -s -EXIF:all -GPS:all -XMP:all -IPTC:all '%s'", path);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        fail_msg("cannot run exiftool");
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    size_t k;
    while (n + 1 < cap && (k = fread(out + n, 1, cap - 1 - n, p)) > 0)
        n += k;
    out[n] = '\0';
    if (pclose(p) != 0)
        fail_msg("exiftool failed on %s", path);
    return out;
}

/* SRC/photo.jpg (GPS, serial number, XMP, IPTC), SRC/still.webp and SRC/flat.png (its EXIF and
 * XMP, as libvips copies them), checked to carry what the tests look for. */
static void tagged_sources(void)
{
    shf("cd '%s' && cp '%s/photos/orientation/Landscape_1.jpg' photo.jpg && exiftool -q "
        "-overwrite_original -GPSLatitude=48.8584 -GPSLatitudeRef=N -GPSLongitude=2.2945 "
        "-GPSLongitudeRef=E -SerialNumber=SN0123456789 -XMP-dc:Creator='A. Photographer' "
        "-IPTC:Keywords=private photo.jpg && vips copy photo.jpg still.webp && vips copy photo.jpg "
        "flat.png",
        dirs.src, TESTDATA);
    const char *names[] = {"photo.jpg", "still.webp", "flat.png"};
    for (int i = 0; i < 3; i++) {
        char path[300];
        FMT(path, "%s/%s", dirs.src, names[i]);
        char *tags = private_tags(path);
        if (!strstr(tags, "GPSLatitude") || !strstr(tags, "SN0123456789") || !strstr(tags, "[XMP]"))
            fail_msg("the fixture %s lacks its metadata:\n%s", names[i], tags);
        free(tags);
    }
}

/* Fails unless the image at path carries no EXIF, XMP or IPTC, by exiftool and by libvips. */
static void expect_clean(const char *path)
{
    char *tags = private_tags(path);
    if (*tags != '\0')
        fail_msg("%s carries metadata:\n%s", path, tags);
    free(tags);
    VipsImage *im = load(path);
    const char *fields[] = {VIPS_META_EXIF_NAME, VIPS_META_XMP_NAME, VIPS_META_IPTC_NAME,
                            "exif-ifd3-GPSLatitude", "exif-ifd2-BodySerialNumber"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (vips_image_get_typeof(im, fields[i]) != 0)
            fail_msg("%s carries %s", path, fields[i]);
    g_object_unref(im);
}

/* Without --keep-metadata, no output of any format, from any of the sources, says where the photo
 * was taken, with which camera, or by whom. */
static void stripped_in_every_format(void **state)
{
    (void)state;
    tagged_sources();
    const char *names[] = {"photo", "still", "flat"};
    for (size_t f = 0; f < NFORMATS; f++) {
        char dst[300];
        FMT(dst, "%s/%s", dirs.dst, formats[f]);
        tg_expect(0, BIN, dirs.src, dst, "-f", formats[f], "--quiet", NULL);
        for (int i = 0; i < 3; i++) {
            char path[400];
            FMT(path, "%s/%s.%s", dst, names[i], formats[f][0] == 'j' ? "jpg" : formats[f]);
            expect_clean(path);
        }
    }
}

/* The freedesktop cache's PNGs carry only the cache's own keys. */
static void stripped_in_the_cache(void **state)
{
    (void)state;
    tagged_sources();
    char cache[200];
    FMT(cache, "%s/cache", dirs.root);
    setenv("XDG_CACHE_HOME", cache, 1);
    tg_expect(0, BIN, "--freedesktop", dirs.src, "--quiet", NULL);
    char cmd[400];
    FMT(cmd, "find '%s/thumbnails/normal' -name '*.png'", cache);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[600];
    int n = 0;
    while (fgets(line, sizeof line, p) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        expect_clean(line);
        n++;
    }
    pclose(p);
    assert_int_equal(n, 3);
}

/* --keep-metadata keeps the source's EXIF (GPS and serial number included) and XMP in every format
 * that can carry them (JPEG, WebP, AVIF, PNG; GIF carries none), and IPTC in JPEG. */
static void kept_when_asked(void **state)
{
    (void)state;
    tagged_sources();
    for (size_t f = 0; f < NFORMATS; f++) {
        if (strcmp(formats[f], "gif") == 0)
            continue;
        char dst[300], path[400];
        FMT(dst, "%s/%s", dirs.dst, formats[f]);
        proc_result_t r =
            tg_run(BIN, dirs.src, dst, "-f", formats[f], "--keep-metadata", "--quiet", NULL);
        assert_int_equal(r.status, 0);
        proc_result_free(&r);
        FMT(path, "%s/photo.%s", dst, formats[f][0] == 'j' ? "jpg" : formats[f]);
        char *tags = private_tags(path);
        if (!strstr(tags, "GPSLatitude") || !strstr(tags, "SN0123456789") ||
            !strstr(tags, "[XMP]") || (formats[f][0] == 'j' && !strstr(tags, "[IPTC]")))
            fail_msg("%s lost the metadata it was to keep:\n%s", path, tags);
        free(tags);
    }
}

int main(void)
{
    if (VIPS_INIT("test_cli_metadata"))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(stripped_in_every_format, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(stripped_in_the_cache, setup_dirs, teardown_dirs),
        cmocka_unit_test_setup_teardown(kept_when_asked, setup_dirs, teardown_dirs),
    };
    return shutdown_vips(cmocka_run_group_tests(tests, NULL, NULL));
}
