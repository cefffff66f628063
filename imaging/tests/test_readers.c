/* Unit tests of the two readers of bytes that another process wrote: the freedesktop store's PNG
 * text reader (any program may write the cache) and the worker's check of a decoder's reply (a
 * decoder parses hostile files and is never trusted). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "core/task.h"
#include "decoder/proto.h"
#include "store/freedesktop/pngtext.h"

typedef struct {
    unsigned char b[8192];
    size_t n;
} png_t;

static void put32(png_t *p, uint32_t v)
{
    unsigned char be[4] = {v >> 24, v >> 16, v >> 8, v};
    memcpy(p->b + p->n, be, 4);
    p->n += 4;
}

/* Appends a chunk with its length and CRC. */
static void chunk(png_t *p, const char *type, const void *data, size_t len)
{
    put32(p, (uint32_t)len);
    size_t start = p->n;
    memcpy(p->b + p->n, type, 4);
    memcpy(p->b + p->n + 4, data, len);
    p->n += 4 + len;
    put32(p, (uint32_t)crc32(0, p->b + start, (uInt)(len + 4)));
}

/* key\0, then a header of hlen bytes, then value compressed (zlib) or not. */
static void text(png_t *p, const char *type, const char *key, const char *hdr, size_t hlen,
                 const char *value, bool compress_it)
{
    unsigned char d[1024];
    size_t n = strlen(key) + 1;
    memcpy(d, key, n);
    memcpy(d + n, hdr, hlen);
    n += hlen;
    if (compress_it) {
        uLongf z = sizeof d - n;
        assert_int_equal(compress(d + n, &z, (const Bytef *)value, strlen(value)), Z_OK);
        n += z;
    } else {
        memcpy(d + n, value, strlen(value));
        n += strlen(value);
    }
    chunk(p, type, d, n);
}

/* A 1x1 PNG's frame around the text chunks: signature and IHDR; IDAT and IEND after. */
static void start(png_t *p)
{
    p->n = 0;
    memcpy(p->b, "\x89PNG\r\n\x1a\n", 8);
    p->n = 8;
    unsigned char ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0};
    chunk(p, "IHDR", ihdr, sizeof ihdr);
}

static void finish(png_t *p)
{
    chunk(p, "IDAT", "\x78\x9c\x63\x00\x00\x00\x01\x00\x01", 9);
    chunk(p, "IEND", "", 0);
}

static int read_keys(const png_t *p, char **v)
{
    static const char *const keys[] = {"Thumb::URI", "Thumb::MTime", "Thumb::Size",
                                       "Thumb::Mimetype"};
    FILE *f = fmemopen((void *)p->b, p->n, "rb");
    assert_non_null(f);
    int found = pngtext_read(f, keys, v, 4);
    fclose(f);
    return found;
}

/* tEXt, zTXt and iTXt (compressed or not) are all read; a key that is not there is NULL. */
static void pngtext_reads_all_three_kinds(void **state)
{
    (void)state;
    png_t p;
    start(&p);
    text(&p, "tEXt", "Thumb::URI", "", 0, "file:///a%20b.jpg", false);
    text(&p, "zTXt", "Thumb::MTime", "\0", 1, "1700000000", true);
    text(&p, "iTXt", "Thumb::Size", "\1\0en\0\0", 6, "12345", true);
    text(&p, "tEXt", "Software", "", 0, "someone else", false);
    finish(&p);
    char *v[4];
    assert_int_equal(read_keys(&p, v), 3);
    assert_string_equal(v[0], "file:///a%20b.jpg");
    assert_string_equal(v[1], "1700000000");
    assert_string_equal(v[2], "12345");
    assert_null(v[3]);
    pngtext_free(v, 4);
    start(&p); /* an uncompressed iTXt */
    text(&p, "iTXt", "Thumb::Mimetype", "\0\0\0\0", 4, "image/png", false);
    finish(&p);
    assert_int_equal(read_keys(&p, v), 1);
    assert_string_equal(v[3], "image/png");
    pngtext_free(v, 4);
}

/* Damaged files yield no value rather than a wrong one or a crash: a bad CRC, a length past the
 * end, a text after the pixel data was cut off, and something that is not a PNG at all. */
static void pngtext_refuses_damage(void **state)
{
    (void)state;
    png_t p;
    char *v[4];
    start(&p);
    text(&p, "tEXt", "Thumb::URI", "", 0, "file:///x", false);
    finish(&p);
    size_t crc_at = 8 + 25 + 4 + 4 + strlen("Thumb::URI") + 1 + strlen("file:///x");
    png_t bad = p;
    bad.b[crc_at] ^= 0xff;
    assert_int_equal(read_keys(&bad, v), 0);
    pngtext_free(v, 4);
    bad = p;
    bad.b[8 + 25 + 1] = 0x7f; /* the text chunk's length: far past the end */
    assert_int_equal(read_keys(&bad, v), 0);
    pngtext_free(v, 4);
    bad = p;
    bad.n = crc_at - 3; /* cut inside the chunk */
    assert_int_equal(read_keys(&bad, v), 0);
    pngtext_free(v, 4);
    memcpy(bad.b, "GIF89a", 6);
    bad.n = p.n;
    assert_int_equal(read_keys(&bad, v), 0);
    pngtext_free(v, 4);
}

/* The worker reads a decoder's payload only when the reply's header holds together. */
static void reply_validation(void **state)
{
    (void)state;
    dec_reply_t ok = {.magic = DEC_MAGIC, .status = TASK_MADE, .errlen = 0, .nouts = 2};
    ok.len[0] = 1000;
    ok.len[1] = 1;
    assert_true(dec_reply_valid(&ok, 2));
    dec_reply_t r = ok;
    assert_false(dec_reply_valid(&r, 3)); /* made, but not every output asked for */
    r.magic ^= 1;
    assert_false(dec_reply_valid(&r, 2));
    r = ok;
    r.len[1] = 0;
    assert_false(dec_reply_valid(&r, 2)); /* an empty output */
    r.len[1] = (uint64_t)DEC_MAX_OUT + 1;
    assert_false(dec_reply_valid(&r, 2));
    r = ok;
    r.errlen = DEC_MAX_ERR + 1;
    assert_false(dec_reply_valid(&r, 2));
    r = ok;
    r.status = TASK_FAILED;
    assert_false(dec_reply_valid(&r, 2)); /* a failure with outputs */
    r.nouts = 0;
    r.errlen = 12;
    assert_true(dec_reply_valid(&r, 2));
    r.nouts = -1;
    assert_false(dec_reply_valid(&r, 2));
    r = ok;
    r.nouts = THUMB_MAX_SIZES + 1;
    assert_false(dec_reply_valid(&r, THUMB_MAX_SIZES + 1));
    /* The metadata a decoder sends: every string ends inside its array, keys are words. */
    r = ok;
    memset(r.meta.thumbhash, 'A', sizeof r.meta.thumbhash);
    assert_false(dec_reply_valid(&r, 2));
    r = ok;
    assert_int_equal(meta_put(&r.meta, "codec", "h264", 0), 0);
    assert_int_equal(meta_put(&r.meta, "fps", NULL, 29.97), 0);
    assert_true(dec_reply_valid(&r, 2));
    r.meta.more[1].num = NAN;
    assert_false(dec_reply_valid(&r, 2));
    r.meta.more[1].num = 1;
    memcpy(r.meta.more[0].key, "co\"dec", 7); /* would break out of the manifest's string */
    assert_false(dec_reply_valid(&r, 2));
    memcpy(r.meta.more[0].key, "status", 7); /* would say another status than the line's */
    assert_false(dec_reply_valid(&r, 2));
    memcpy(r.meta.more[0].key, "fps", 4); /* a key twice */
    assert_false(dec_reply_valid(&r, 2));
    r = ok;
    memset(r.meta.more[0].str, 'x', sizeof r.meta.more[0].str);
    memcpy(r.meta.more[0].key, "k", 2);
    assert_false(dec_reply_valid(&r, 2));
}

/* meta_put refuses what the manifest could not carry or would hold twice, and stops when the
 * pairs are full. */
static void meta_put_bounds(void **state)
{
    (void)state;
    task_meta_t m = {0};
    assert_int_equal(meta_put(&m, "Codec", "x", 0), -1);            /* not lower case */
    assert_int_equal(meta_put(&m, "a_key_too_long_x", "x", 0), -1); /* 16 bytes */
    assert_int_equal(meta_put(&m, "k", "", 0), -1);                 /* an empty string */
    assert_int_equal(meta_put(&m, "k", NULL, INFINITY), -1);
    char big[sizeof m.more[0].str + 1];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(meta_put(&m, "k", big, 0), -1);
    assert_int_equal(meta_put(&m, "status", "made", 0), -1); /* the writer's own */
    assert_string_equal(m.more[0].key, "");
    char key[] = "k";
    for (int i = 0; i < META_MORE; i++, key[0]++)
        assert_int_equal(meta_put(&m, key, NULL, i), 0);
    assert_int_equal(meta_put(&m, "z", NULL, 9), -1); /* full */
    m.more[META_MORE - 1].key[0] = '\0';
    assert_int_equal(meta_put(&m, "k", NULL, 9), -1); /* there already */
    assert_int_equal(meta_put(&m, "z", NULL, 9), 0);
    assert_true(meta_valid(&m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pngtext_reads_all_three_kinds),
        cmocka_unit_test(pngtext_refuses_damage),
        cmocka_unit_test(reply_validation),
        cmocka_unit_test(meta_put_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
