#include "decoder/pngfast.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libdeflate.h>
#include <png.h>

/* A larger PNG goes to libvips' path, which streams it: pngfast holds the file and its pixels
 * whole, up to 120 MB of pixels here. */
#define PNGFAST_MAX_PIXELS 40000000
/* The most a file may hold beyond its inflated image data (and deflate's overhead on data that
 * does not compress, a 1024th): metadata, a profile. A larger file goes to libvips' path, which
 * reads only what it needs: megabytes of junk after IEND are not read into memory. */
#define PNGFAST_MAX_EXTRA (4 << 20)

static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
enum { HEAD = 8 + 25 }; /* the signature and IHDR, a file's first bytes */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

/* A chunk: where it starts (its length field) in the file, its type and data. */
typedef struct {
    const unsigned char *at, *data;
    uint32_t len;
} chunk_t;

static bool is(const chunk_t *c, const char *type)
{
    return memcmp(c->at + 4, type, 4) == 0;
}

/* The chunk at *off of [d, d + n), *off moved past it. False at the end, or when it does not fit
 * or its CRC is wrong. */
static bool next_chunk(const unsigned char *d, size_t n, size_t *off, chunk_t *c)
{
    if (n - *off < 12 || be32(d + *off) > n - *off - 12)
        return false;
    c->at = d + *off;
    c->len = be32(c->at);
    c->data = c->at + 8;
    *off += 12 + (size_t)c->len;
    return libdeflate_crc32(0, c->at + 4, (size_t)c->len + 4) == be32(c->data + c->len);
}

/* What the walk over the chunks found. */
typedef struct {
    chunk_t plte;           /* .at NULL: none */
    const unsigned char *z; /* the image data, joined */
    size_t zlen;
} walk_t;

/* Walks every chunk of [d, d + n) from off up to IEND: the palette, the image data (one run of
 * IDATs, joined in place over their chunks' framing). False when the file is not one pngfast
 * takes: a chunk broken, no IEND, transparency (tRNS), a critical chunk unknown, or a PLTE
 * repeated or after the image data (libpng uses the first and would refuse or warn of the rest:
 * libvips' path decides). */
static bool walk(unsigned char *d, size_t n, size_t off, walk_t *w)
{
    chunk_t c;
    size_t first = 0, run = 0; /* the IDATs: where the first is, how many bytes in all */
    int runs = 0;
    bool in_run = false;
    while (next_chunk(d, n, &off, &c)) {
        if (is(&c, "IEND")) {
            if (runs != 1)
                return false;
            for (size_t o = first, at = 0, len; at < run; o += 12 + len, at += len) {
                len = be32(d + o); /* (before the move, which may write over it) */
                memmove(d + first + 8 + at, d + o + 8, len);
            }
            w->z = d + first + 8, w->zlen = run;
            return true;
        }
        bool idat = is(&c, "IDAT");
        if (idat && !in_run) {
            first = (size_t)(c.at - d);
            runs++;
        }
        in_run = idat;
        if (idat)
            run += c.len;
        else if (is(&c, "PLTE") && w->plte.at == NULL && runs == 0) /* once, before the data */
            w->plte = c;
        else if (is(&c, "tRNS") || (c.at[4] & 0x20) == 0)
            return false;
    }
    return false;
}

/* The stream libpng reads: the PNG again, with its image data (raw: rows of a filter byte and
 * the row's bytes, as inflated) in one IDAT whose zlib stream stores each row as a block of its
 * own, uncompressed (RFC 1951, 3.2.4), made as libpng asks for it. A row's block is 5 bytes of
 * header, then the row from raw, so row y's bytes have all been read when libpng writes row y
 * out, and it may write it over raw. The CRC and Adler-32 fields are left 0 and unchecked: the
 * file's were checked, libdeflate checked the data's. */
typedef struct {
    unsigned char head[HEAD + 12 + 256 * 3 + 8 + 2]; /* signature, IHDR, PLTE, IDAT's start */
    size_t headlen;
    const unsigned char *raw;
    size_t row, rows; /* bytes in a row of raw (with its filter byte), rows */
    size_t at;        /* bytes read so far */
} stream_t;

enum { BLOCK_HEAD = 5, STREAM_TAIL = 4 + 4 + 12 }; /* Adler-32, IDAT's CRC, IEND */

static size_t stream_len(const stream_t *s)
{
    return s->headlen + s->rows * (BLOCK_HEAD + s->row) + STREAM_TAIL;
}

/* Starts the stream of the PNG whose first HEAD bytes (signature and IHDR) are at file, with this
 * PLTE chunk (plte.at NULL: none). False when it would not fit in one IDAT or a row in one stored
 * block. */
static bool stream_start(stream_t *s, const unsigned char *file, const chunk_t *plte,
                         const unsigned char *raw, size_t row, size_t rows)
{
    size_t plen = plte->at != NULL ? 12 + (size_t)plte->len : 0;
    *s = (stream_t){.raw = raw, .row = row, .rows = rows};
    if (row > 0xffff || plen > 12 + 256 * 3 || rows > (0x7fffffffu - 6) / (BLOCK_HEAD + row))
        return false;
    memcpy(s->head, file, HEAD);
    if (plen > 0)
        memcpy(s->head + HEAD, plte->at, plen);
    unsigned char *idat = s->head + HEAD + plen;
    put32(idat, (uint32_t)(2 + rows * (BLOCK_HEAD + row) + 4));
    memcpy(idat + 4, "IDAT\x78\x01", 6); /* a zlib header: deflate, 32 KiB window, no dictionary */
    s->headlen = HEAD + plen + 10;
    return true;
}

/* Copies the stream's next n bytes to out. */
static void stream_read(png_structp png, png_bytep out, size_t n)
{
    stream_t *s = png_get_io_ptr(png);
    size_t body = s->rows * (BLOCK_HEAD + s->row);
    if (n > stream_len(s) - s->at)
        png_error(png, "read past the end");
    while (n > 0) {
        size_t k, at = s->at;
        const unsigned char *from;
        unsigned char block[BLOCK_HEAD];
        static const unsigned char tail[STREAM_TAIL] = {[12] = 'I', 'E',  'N',  'D',
                                                        0xae,       0x42, 0x60, 0x82};
        if (at < s->headlen) {
            from = s->head + at, k = s->headlen - at;
        } else if ((at -= s->headlen) < body) {
            size_t y = at / (BLOCK_HEAD + s->row), off = at % (BLOCK_HEAD + s->row);
            if (off < BLOCK_HEAD) {
                uint16_t len = (uint16_t)s->row;
                block[0] = y + 1 == s->rows; /* BFINAL on the last; BTYPE 00: stored */
                block[1] = (unsigned char)len, block[2] = (unsigned char)(len >> 8);
                uint16_t nlen = (uint16_t)~len;
                block[3] = (unsigned char)nlen, block[4] = (unsigned char)(nlen >> 8);
                from = block + off, k = BLOCK_HEAD - off;
            } else {
                from = s->raw + y * s->row + (off - BLOCK_HEAD), k = BLOCK_HEAD + s->row - off;
            }
        } else {
            from = tail + (at - body), k = STREAM_TAIL - (at - body);
        }
        k = k < n ? k : n;
        memcpy(out, from, k);
        out += k, n -= k, s->at += k;
    }
}

/* A warning declines too (it cannot come from the stream made here, but if it did, libvips'
 * path would say it). */
static void on_warning(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

static void on_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

/* libpng's decode of stream s into px, rows of stride bytes (px may be s's raw). */
static bool read_png(stream_t *s, unsigned char *px, size_t stride)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, on_error, on_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return false;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return false;
    }
    png_set_read_fn(png, s, stream_read);
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
    png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
    png_read_info(png, info);
    png_set_palette_to_rgb(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != stride)
        png_error(png, "not as expected");
    for (size_t y = 0; y < s->rows; y++)
        png_read_row(png, px + stride * y, NULL);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    return true;
}

/* The len bytes of fd from off into d; false if it cannot read them all. */
static bool read_at(int fd, unsigned char *d, size_t len, size_t off)
{
    ssize_t r = 1;
    for (size_t got = 0; got < len; got += (size_t)r)
        if ((r = pread(fd, d + got, len - got, (off_t)(off + got))) <= 0)
            return false;
    return true;
}

/* The image of the PNG in [d, d + len) (its image data joined in place), as pngfast_decode; its
 * IHDR checked already, of colour type `type` and row bytes `row` (a filter byte and the
 * pixels). */
static unsigned char *decode(unsigned char *d, size_t len, int w, int h, int type, size_t row,
                             int *bands)
{
    walk_t wk = {0};
    /* a palette where one is needed, none where libpng refuses one (RGB may suggest one) */
    if (!walk(d, len, HEAD, &wk) || (type == 3 && wk.plte.at == NULL) ||
        (type == 0 && wk.plte.at != NULL))
        return NULL;
    /* libdeflate looks back as far as the data says, zlib only as far as the header lets it: a
     * window under 32 KiB that the image does not fit in is libvips' to refuse */
    size_t window = wk.zlen > 0 ? (size_t)1 << ((wk.z[0] >> 4) + 8) : 0;
    if (window < 32768 && window < row * (size_t)h)
        return NULL;
    *bands = type == 0 ? 1 : 3;
    size_t stride = (size_t)w * (size_t)*bands;
    /* Grey and RGB are decoded over the inflated rows; a palette's pixels take more room. */
    unsigned char *raw = malloc(row * (size_t)h + 64), *px = type == 3 ? NULL : raw;
    struct libdeflate_decompressor *inflater = libdeflate_alloc_decompressor();
    stream_t *s = malloc(sizeof *s);
    /* exactly row x h bytes, or it declines */
    bool ok = raw != NULL && inflater != NULL && s != NULL &&
              libdeflate_zlib_decompress(inflater, wk.z, wk.zlen, raw, row * (size_t)h, NULL) ==
                  LIBDEFLATE_SUCCESS;
    libdeflate_free_decompressor(inflater);
    if (ok && px == NULL)
        px = malloc(stride * (size_t)h + 64);
    ok = ok && px != NULL && stream_start(s, d, &wk.plte, raw, row, (size_t)h) &&
         read_png(s, px, stride);
    free(s);
    if (px != raw)
        free(raw);
    if (!ok)
        free(px);
    return ok ? px : NULL;
}

unsigned char *pngfast_decode(int fd, int w, int h, int *bands)
{
    struct stat st;
    unsigned char head[HEAD];
    size_t off = sizeof signature;
    chunk_t ihdr;
    if (w <= 0 || h <= 0 || (int64_t)w * h > PNGFAST_MAX_PIXELS || fstat(fd, &st) != 0 ||
        (size_t)st.st_size < sizeof head || !read_at(fd, head, sizeof head, 0) ||
        memcmp(head, signature, off) != 0 || !next_chunk(head, sizeof head, &off, &ihdr) ||
        !is(&ihdr, "IHDR") || ihdr.len != 13)
        return NULL;
    const unsigned char *f = ihdr.data;
    int type = f[9];
    /* 8 bits, grey (0), RGB (2) or a palette (3); deflate, adaptive filters, not interlaced */
    if (be32(f) != (uint32_t)w || be32(f + 4) != (uint32_t)h || f[8] != 8 ||
        (type != 0 && type != 2 && type != 3) || f[10] != 0 || f[11] != 0 || f[12] != 0)
        return NULL;
    size_t row = (size_t)w * (type == 2 ? 3 : 1) + 1, raw = row * (size_t)h;
    /* a row in one stored block; no more than the data and a little beside it */
    if (row > 0xffff || (size_t)st.st_size > raw + raw / 1024 + PNGFAST_MAX_EXTRA)
        return NULL;
    size_t len = (size_t)st.st_size;
    unsigned char *d = malloc(len), *px = NULL;
    /* (the same header: a file rewritten meanwhile declines) */
    if (d != NULL && read_at(fd, d, len, 0) && memcmp(d, head, sizeof head) == 0)
        px = decode(d, len, w, h, type, row, bands);
    free(d);
    return px;
}
