/* libFuzzer target: the PNG fast path's reader (decoder/pngfast.h) on arbitrary bytes. Before it
 * reads them, every chunk they hold gets its CRC made right: random bytes nearly all fail the
 * first CRC check, and a crafted file has right CRCs. Any crash, leak or sanitizer report is a
 * bug; pixels given must be as many as the header says (the last one is read). */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libdeflate.h>

#include "decoder/pngfast.h"

static char path[64];

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(path, sizeof path, "/tmp/tg-fuzz-%d.png", (int)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 33)
        return 0;
    uint8_t *d = malloc(size);
    if (d == NULL)
        return 0;
    memcpy(d, data, size);
    for (size_t off = 8; size - off >= 12 && be32(d + off) <= size - off - 12;) {
        size_t len = be32(d + off);
        uint32_t crc = libdeflate_crc32(0, d + off + 4, len + 4);
        uint8_t *c = d + off + 8 + len;
        c[0] = (uint8_t)(crc >> 24), c[1] = (uint8_t)(crc >> 16);
        c[2] = (uint8_t)(crc >> 8), c[3] = (uint8_t)crc;
        off += 12 + len;
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        abort();
    fwrite(d, 1, size, f);
    fclose(f);
    /* as libvips' header would say (pngfast's pixel limit bounds the memory) */
    int w = (int)(be32(d + 16) & 0x7fffffff), h = (int)(be32(d + 20) & 0x7fffffff);
    free(d);
    int fd = open(path, O_RDONLY | O_CLOEXEC), bands = 0;
    if (fd < 0)
        abort();
    unsigned char *px = pngfast_decode(fd, w, h, &bands);
    close(fd);
    if (px != NULL) {
        if (w == 0 || h == 0 || (bands != 1 && bands != 3))
            abort();
        volatile unsigned char last = px[(size_t)w * (size_t)h * (size_t)bands - 1];
        (void)last;
        free(px);
    }
    return 0;
}
