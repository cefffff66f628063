#include "store/freedesktop/pngtext.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The text of a chunk's value: len bytes at p, inflated when compressed. malloc'd, or NULL. */
static char *text_value(const unsigned char *p, size_t len, bool compressed)
{
    if (!compressed) /* up to a NUL inside, where the text would end anyway */
        return strndup((const char *)p, len);
    uLongf out = PNGTEXT_MAX;
    char *v = malloc(PNGTEXT_MAX + 1);
    if (v == NULL || uncompress((Bytef *)v, &out, p, len) != Z_OK) {
        free(v);
        return NULL;
    }
    v[out] = '\0';
    return v;
}

/* The value of a text chunk whose keyword ended just before p (the data ends at end), or NULL. */
static char *chunk_value(const char *type, unsigned char *p, unsigned char *end)
{
    if (strcmp(type, "tEXt") == 0)
        return text_value(p, (size_t)(end - p), false);
    if (strcmp(type, "zTXt") == 0) /* compression method byte, then zlib data */
        return p < end && *p == 0 ? text_value(p + 1, (size_t)(end - p - 1), true) : NULL;
    /* iTXt: compression flag, method, language tag\0, translated keyword\0, text */
    if (end - p < 2)
        return NULL;
    bool compressed = p[0] != 0;
    p += 2;
    for (int skip = 0; skip < 2; skip++) {
        unsigned char *z = memchr(p, '\0', (size_t)(end - p));
        if (z == NULL)
            return NULL;
        p = z + 1;
    }
    return text_value(p, (size_t)(end - p), compressed);
}

/* Stores the value of one text chunk (len bytes at d) in values[i] when its keyword is keys[i]
 * and values[i] is not known yet; only then is it inflated. Returns 1 if it stored one. */
static int take_chunk(const char *type, unsigned char *d, size_t len, const char *const *keys,
                      char **values, int n)
{
    unsigned char *nul = memchr(d, '\0', len);
    if (nul == NULL)
        return 0;
    int i = 0;
    while (i < n && (values[i] != NULL || strcmp((const char *)d, keys[i]) != 0))
        i++;
    if (i == n)
        return 0;
    values[i] = chunk_value(type, nul + 1, d + len);
    return values[i] != NULL;
}

int pngtext_get(const char *path, const char *const *keys, char **values, int n)
{
    for (int i = 0; i < n; i++)
        values[i] = NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (f == NULL) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int found = pngtext_read(f, keys, values, n);
    fclose(f);
    return found;
}

int pngtext_read(FILE *f, const char *const *keys, char **values, int n)
{
    for (int i = 0; i < n; i++)
        values[i] = NULL;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char h[8];
    int found = 0;
    if (fread(h, 1, 8, f) != 8 || memcmp(h, sig, 8) != 0)
        return 0;
    while (found < n && fread(h, 1, 8, f) == 8) {
        uint32_t len = be32(h);
        char type[5] = {(char)h[4], (char)h[5], (char)h[6], (char)h[7], '\0'};
        if (strcmp(type, "IEND") == 0 || len > 0x7fffffffu)
            break;
        bool text =
            strcmp(type, "tEXt") == 0 || strcmp(type, "zTXt") == 0 || strcmp(type, "iTXt") == 0;
        if (!text || len > 2 * PNGTEXT_MAX) {
            if (fseek(f, (long)len + 4, SEEK_CUR) != 0) /* data and CRC, unread */
                break;
            continue;
        }
        unsigned char *d = malloc(len + 1), crc[4];
        if (d == NULL || fread(d, 1, len, f) != len || fread(crc, 1, 4, f) != 4) {
            free(d);
            break;
        }
        /* A text chunk whose CRC does not match is dropped, as libpng drops it. */
        if (be32(crc) == crc32(crc32(0, h + 4, 4), d, len))
            found += take_chunk(type, d, len, keys, values, n);
        free(d);
    }
    return found;
}

void pngtext_free(char **values, int n)
{
    for (int i = 0; i < n; i++) {
        free(values[i]);
        values[i] = NULL;
    }
}
