#include "decoder/webpmeta.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* VP8X's flag bits (the WebP container specification). */
enum { FLAG_XMP = 0x04, FLAG_EXIF = 0x08, FLAG_ICC = 0x20 };

static uint32_t le32(const unsigned char *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = v & 0xff;
    p[1] = v >> 8 & 0xff;
    p[2] = v >> 16 & 0xff;
    p[3] = v >> 24 & 0xff;
}

void webpmeta_strip(unsigned char *buf, size_t *len)
{
    size_t n = *len;
    if (n < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WEBP", 4) != 0 ||
        le32(buf + 4) != n - 8)
        return;
    /* Check every chunk fits before moving any. */
    for (size_t at = 12; at < n;) {
        if (n - at < 8)
            return;
        size_t size = le32(buf + at + 4), padded = size + (size & 1);
        if (padded > n - at - 8)
            return;
        at += 8 + padded;
    }
    size_t out = 12;
    for (size_t at = 12; at < n;) {
        size_t size = le32(buf + at + 4), whole = 8 + size + (size & 1);
        bool drop = memcmp(buf + at, "EXIF", 4) == 0 || memcmp(buf + at, "XMP ", 4) == 0 ||
                    memcmp(buf + at, "ICCP", 4) == 0;
        if (!drop) {
            if (memcmp(buf + at, "VP8X", 4) == 0 && size >= 1)
                buf[at + 8] &= (unsigned char)~(FLAG_EXIF | FLAG_XMP | FLAG_ICC);
            memmove(buf + out, buf + at, whole);
            out += whole;
        }
        at += whole;
    }
    put_le32(buf + 4, (uint32_t)(out - 8));
    *len = out;
}
