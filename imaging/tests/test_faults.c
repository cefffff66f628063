/* Hostile input through the workers' own code path (codec_make on a file): every prefix of valid
 * JPEG, PNG, GIF and WebP files cut at 64 evenly spaced lengths, and 200 seeded copies with random
 * bytes flipped. Each must give either a complete thumbnail that decodes to the end, or a failure
 * with a reason; never a crash (ASan/UBSan builds run this too), never a silent success with no
 * bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include <cmocka.h>

#include "core/task.h"
#include "decoder/thumbnail.h"

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static char scratch[64];

/* What a made thumbnail looked like: its size and mean pixel value. */
typedef struct {
    int w, h;
    double avg;
} look_t;

/* Writes data to a file with the given extension and thumbnails it; returns 1 if made (checking
 * that the bytes decode fully, and describing the result in *look if not NULL), 0 if failed. */
static int attempt_look(const thumb_opts_t *o, const char *ext, const void *data, size_t len,
                        look_t *look)
{
    char path[128];
    snprintf(path, sizeof path, "%s/input.%s", scratch, ext);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    task_t *t = task_new(path, 0);
    t->nouts = 1;
    codec_make(o, t);
    int made = t->status == TASK_MADE;
    if (made) {
        assert_non_null(t->outs[0].buf);
        assert_true(t->outs[0].len > 0);
        VipsImage *im = vips_image_new_from_buffer(t->outs[0].buf, t->outs[0].len, "", "fail_on",
                                                   VIPS_FAIL_ON_WARNING, NULL);
        assert_non_null(im);
        double avg;
        assert_int_equal(vips_avg(im, &avg, NULL), 0);
        assert_true(im->Xsize <= 256 && im->Ysize <= 256);
        if (look != NULL)
            *look = (look_t){im->Xsize, im->Ysize, avg};
        g_object_unref(im);
    } else {
        assert_int_equal(t->status, TASK_FAILED);
        assert_non_null(t->error);
        assert_true(strlen(t->error) > 0);
        assert_null(t->outs[0].buf);
    }
    task_free(t);
    return made;
}

static int attempt(const thumb_opts_t *o, const char *ext, const void *data, size_t len)
{
    return attempt_look(o, ext, data, len, NULL);
}

static const char *files[] = {TESTDATA "/photos/orientation/Landscape_3.jpg",
                              TESTDATA "/formats/alpha.png", TESTDATA "/formats/anim.gif",
                              TESTDATA "/formats/photo.webp"};

static void prefixes(void **state)
{
    (void)state;
    thumb_opts_t o;
    thumb_opts_default(&o);
    for (size_t f = 0; f < 4; f++) {
        size_t len;
        unsigned char *data = read_file(files[f], &len);
        const char *ext = strrchr(files[f], '.') + 1;
        look_t whole, part;
        assert_int_equal(attempt_look(&o, ext, data, len, &whole), 1);
        int failed = 0;
        for (int k = 0; k < 64; k++) {
            size_t cut = len * (size_t)k / 64;
            if (!attempt_look(&o, ext, data, cut, &part)) {
                failed++;
                continue;
            }
            /* A prefix may hold everything a thumbnail needs (a GIF's whole first frame): then
             * it must be the same picture as the whole file's, not a partial one. */
            assert_int_equal(part.w, whole.w);
            assert_int_equal(part.h, whole.h);
            assert_true(part.avg > whole.avg - 0.5 && part.avg < whole.avg + 0.5);
        }
        print_message("%s: %d of 64 prefixes failed, the rest made the whole file's thumbnail\n",
                      files[f], failed);
        free(data);
    }
}

static void flipped_bytes(void **state)
{
    (void)state;
    thumb_opts_t o;
    thumb_opts_default(&o);
    uint64_t seed = 2026;
    int made = 0;
    for (int k = 0; k < 200; k++) {
        size_t len;
        unsigned char *data = read_file(files[k % 4], &len);
        for (int b = 0; b < 8; b++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            data[(seed >> 16) % len] ^= (unsigned char)(1u << ((seed >> 8) % 8));
        }
        made += attempt(&o, strrchr(files[k % 4], '.') + 1, data, len);
        free(data);
    }
    print_message("200 corrupted copies: %d made, %d failed\n", made, 200 - made);
}

/* A source deleted, or truncated, after the lister saw it: a reported failure, never a thumbnail.
 */
static void source_changed_after_listing(void **state)
{
    (void)state;
    thumb_opts_t o;
    thumb_opts_default(&o);
    size_t len;
    unsigned char *data = read_file(files[0], &len);
    char path[128];
    snprintf(path, sizeof path, "%s/changing.jpg", scratch);

    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    task_t *t = task_new(path, 0); /* listed */
    t->nouts = 1;
    assert_int_equal(unlink(path), 0); /* then deleted */
    codec_make(&o, t);
    assert_int_equal(t->status, TASK_FAILED);
    assert_string_equal(t->error, "cannot open: No such file or directory");
    task_free(t);

    f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    t = task_new(path, 0);
    t->nouts = 1;
    assert_int_equal(truncate(path, (off_t)len / 2), 0); /* then cut in half */
    codec_make(&o, t);
    assert_int_equal(t->status, TASK_FAILED);
    assert_non_null(strstr(t->error, "Premature end"));
    task_free(t);
    unlink(path);
    free(data);
}

int main(void)
{
    if (VIPS_INIT("test_faults"))
        return 1;
    thumb_global_setup(1);
    strcpy(scratch, "/tmp/tg-faults-XXXXXX");
    if (mkdtemp(scratch) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefixes),
        cmocka_unit_test(flipped_bytes),
        cmocka_unit_test(source_changed_after_listing),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    const char *exts[] = {"jpg", "png", "gif", "webp"};
    for (int i = 0; i < 4; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s/input.%s", scratch, exts[i]);
        remove(p);
    }
    rmdir(scratch);
    vips_shutdown();
    return rc;
}
