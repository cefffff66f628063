/* Unit tests of the size/option parsers and of output naming, hostile names included. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/filetype.h"
#include "core/naming.h"
#include "core/options.h"

static void sizes(void **state)
{
    (void)state;
    thumb_size_t s;
    assert_true(parse_size("256", &s));
    assert_int_equal(s.width, 256);
    assert_int_equal(s.height, 256);
    assert_true(parse_size("256x", &s));
    assert_int_equal(s.width, 256);
    assert_int_equal(s.height, THUMB_UNBOUNDED);
    assert_true(parse_size("x128", &s));
    assert_int_equal(s.width, THUMB_UNBOUNDED);
    assert_int_equal(s.height, 128);
    assert_true(parse_size("320x200", &s));
    assert_int_equal(s.width, 320);
    assert_int_equal(s.height, 200);
    assert_string_equal(s.label, "320x200");
    const char *bad[] = {"",
                         "x",
                         "0",
                         "-5",
                         "12a",
                         "x0",
                         "320x200x",
                         "320xx200",
                         "100001",
                         " 256",
                         "256 ",
                         "1e3",
                         "99999999999999999999",
                         "320X200"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(parse_size(bad[i], &s));
}

static void size_lists(void **state)
{
    (void)state;
    thumb_opts_t o;
    thumb_opts_default(&o);
    assert_int_equal(o.nsizes, 1);
    assert_int_equal(o.sizes[0].width, 256);
    assert_true(parse_size_list("128,512,1024", &o));
    assert_int_equal(o.nsizes, 3);
    assert_int_equal(o.sizes[2].width, 1024);
    assert_string_equal(o.sizes[1].label, "512");
    assert_false(parse_size_list("128,,512", &o));
    assert_false(parse_size_list("128,", &o));
    assert_false(parse_size_list("128,128", &o));
    assert_false(parse_size_list("1,2,3,4,5,6,7,8,9", &o));
    assert_true(parse_size_list("1,2,3,4,5,6,7,8", &o));
}

static void other_options(void **state)
{
    (void)state;
    crop_t c;
    format_t f;
    double rgb[3];
    assert_true(parse_crop("centre", &c) && c == CROP_CENTRE);
    assert_true(parse_crop("center", &c) && c == CROP_CENTRE);
    assert_true(parse_crop("attention", &c) && c == CROP_ATTENTION);
    assert_false(parse_crop("middle", &c));
    assert_true(parse_format("webp", &f) && f == FMT_WEBP);
    assert_true(parse_format("jpg", &f) && f == FMT_JPEG);
    assert_false(parse_format("JPEG", &f));
    assert_string_equal(format_ext(FMT_AVIF), "avif");
    assert_true(parse_colour("#ff8000", rgb));
    assert_true(rgb[0] == 255 && rgb[1] == 128 && rgb[2] == 0);
    assert_true(parse_colour("1,2,3", rgb));
    assert_true(rgb[2] == 3);
    assert_false(parse_colour("256,0,0", rgb));
    assert_false(parse_colour("#ff80", rgb));
    assert_false(parse_colour("1,2", rgb));
    assert_false(parse_colour("1,2,3,", rgb));
    assert_false(parse_colour("red", rgb));
}

static void check_out(const char *dst, const char *label, const char *rel, const char *ext,
                      const char *want)
{
    char *p = output_path(dst, label, rel, ext);
    assert_non_null(p);
    assert_string_equal(p, want);
    free(p);
}

static void naming(void **state)
{
    (void)state;
    check_out("out", NULL, "a/b/c.png", "jpg", "out/a/b/c.jpg");
    check_out("out/", NULL, "c.JPG", "jpg", "out/c.jpg");
    check_out("out", "128", "a/c.png", "webp", "out/128/a/c.webp");
    check_out("out", NULL, "noext", "jpg", "out/noext.jpg");
    check_out("out", NULL, "a.b/noext", "jpg", "out/a.b/noext.jpg");
    check_out("out", NULL, "x.tar.gz", "jpg", "out/x.tar.jpg");
    check_out("out", NULL, "-rf.png", "jpg", "out/-rf.jpg");
    check_out("out", NULL, "my photo ü.png", "jpg", "out/my photo ü.jpg");
    check_out("out", NULL, "..png", "jpg", "out/..jpg"); /* a name, not the parent */
    check_out("out//", NULL, "c.png", "jpg", "out/c.jpg");
    /* Trailing slashes go, but the root stays the root. */
    assert_int_equal(path_trimmed_len("a/b//"), 3);
    assert_int_equal(path_trimmed_len("//"), 1);
    assert_int_equal(path_trimmed_len(""), 0);
}

static void hostile_names(void **state)
{
    (void)state;
    const char *bad[] = {"../x.png",  "a/../../x.png", "/etc/passwd", "a//b.png", "./a.png",
                         "a/./b.png", "a/..",          "..",          "",         "a/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        assert_null(output_path("out", NULL, bad[i], "jpg"));
        assert_int_equal(errno, EINVAL);
        assert_false(rel_path_safe(bad[i]));
    }
    assert_null(output_path("out", "..", "a.png", "jpg"));
    assert_null(output_path("out", "a/b", "a.png", "jpg"));
    /* A 255-byte name is fine as a source, but .jpg would make it 256: refused, not truncated. */
    char longname[300];
    memset(longname, 'a', 255);
    longname[255] = '\0';
    errno = 0;
    assert_null(output_path("out", NULL, longname, "jpg"));
    assert_int_equal(errno, ENAMETOOLONG);
    memcpy(longname + 251, ".png", 5);
    char *p = output_path("out", NULL, longname, "jpg");
    assert_non_null(p);
    assert_int_equal(strlen(p), 4 + 251 + 4);
    free(p);
}

static void check_named(const char *tmpl, const char *rel, const char *size, const char *want)
{
    char *p = output_path_named("out", NULL, rel, tmpl, size, "jpg");
    if (want == NULL) {
        assert_null(p);
        return;
    }
    assert_non_null(p);
    assert_string_equal(p, want);
    free(p);
}

/* --name: the tokens, a template that makes a name unsafe for one source, and the parser. */
static void name_templates(void **state)
{
    (void)state;
    check_named("%s", "a/IMG_1.CR2", NULL, "out/a/IMG_1.jpg");
    check_named("%s.%e", "a/IMG_1.CR2", NULL, "out/a/IMG_1.CR2.jpg");
    check_named("%s.%e", "a/IMG_1.JPG", NULL, "out/a/IMG_1.JPG.jpg");
    check_named("tn_%s_%z", "c.png", "320x200", "out/tn_c_320x200.jpg");
    check_named("%s-100%%", "c.png", NULL, "out/c-100%.jpg");
    check_named("%s%e", "noext", NULL, "out/noext.jpg");
    check_named("%s", "..png", NULL, "out/..jpg");
    check_named("%e", "..png", NULL, "out/png.jpg");
    check_named("%e", "noext", NULL, NULL); /* ".jpg" would be hidden: refused */
    errno = 0;
    char longname[300];
    memset(longname, 'a', 200);
    memcpy(longname + 200, ".png", 5);
    check_named("%s.%e.%s", longname, NULL, NULL);
    assert_int_equal(errno, ENAMETOOLONG);

    const char *good[] = {"%s", "%s.%e", "tn_%s", "%s_%z", "%%%s"};
    const char *bad[] = {"",
                         "thumb",
                         "a/%s",
                         "%s%",
                         "%q%s",
                         "%S",
                         "%s_0123456789012345678901234567890123456789012345678901234567890123"};
    thumb_opts_t o;
    thumb_opts_default(&o);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true(parse_name_template(good[i], &o));
        assert_string_equal(o.name, good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(parse_name_template(bad[i], &o));
    assert_true(name_template_has_size("%s_%z"));
    assert_false(name_template_has_size("%s_%%z"));
    assert_false(name_template_has_size(""));
}

static void image_extensions(void **state)
{
    (void)state;
    assert_true(has_image_extension("a/b.JPG"));
    assert_true(has_image_extension("x.tiff"));
    assert_false(has_image_extension("notes.txt"));
    assert_false(has_image_extension("a.jpg/readme"));
    assert_false(has_image_extension(".jpg"));
    /* Panasonic's and Leica's .raw are LibRaw's files: camera RAW, with their own MIME type. */
    assert_string_equal(filetype_of("P1000.RAW")->module, "raw");
    assert_string_equal(filetype_of("x.raw")->mime, "image/x-panasonic-raw");
    assert_true(has_video_extension("clip.MKV"));
    assert_false(has_video_extension("x.dng"));
}

/* The README's list of RAW formats, "RAW files (DNG, CR2, ...)", is the table's RAW rows. */
static void readme_lists_every_raw_format(void **state)
{
    (void)state;
    FILE *f = fopen(README_MD, "r");
    assert_non_null(f);
    static char text[1 << 16];
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    char *p = strstr(text, "RAW files ("), *end = p ? strchr(p, ')') : NULL;
    assert_non_null(end);
    size_t listed = 0, raw = 0;
    for (p += strlen("RAW files ("); p < end; p += strspn(p, ", \n")) {
        size_t n = strcspn(p, ",)");
        char name[16] = "x.";
        assert_true(n < sizeof name - 2);
        memcpy(name + 2, p, n);
        const filetype_t *t = filetype_of(name);
        if (t == NULL || t->module == NULL || strcmp(t->module, "raw") != 0)
            fail_msg("the README lists %s as RAW; the table does not", name + 2);
        listed++;
        p += n;
    }
    for (size_t i = 0; i < nfiletypes; i++)
        raw += filetypes[i].module != NULL && strcmp(filetypes[i].module, "raw") == 0;
    assert_int_equal(listed, raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes),
        cmocka_unit_test(size_lists),
        cmocka_unit_test(other_options),
        cmocka_unit_test(naming),
        cmocka_unit_test(hostile_names),
        cmocka_unit_test(name_templates),
        cmocka_unit_test(image_extensions),
        cmocka_unit_test(readme_lists_every_raw_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
