#include "decoder/heiforient.h"

#include <libheif/heif.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* A box within [p, end): its type and its payload [body, next). */
typedef struct {
    char type[5];
    const unsigned char *body, *next;
} box_t;

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reads the box at *at (ISO/IEC 14496-12: 32-bit size, or 1 and a 64-bit size, or 0: to the end)
 * and moves *at past it. False at the end or on a box that does not fit. */
static bool next_box(const unsigned char **at, const unsigned char *end, box_t *b)
{
    const unsigned char *p = *at;
    if (end - p < 8)
        return false;
    uint64_t size = be32(p), head = 8;
    if (size == 1) {
        if (end - p < 16)
            return false;
        size = (uint64_t)be32(p + 8) << 32 | be32(p + 12);
        head = 16;
    } else if (size == 0) {
        size = (uint64_t)(end - p);
    }
    if (size < head || size > (uint64_t)(end - p))
        return false;
    memcpy(b->type, p + 4, 4);
    b->type[4] = '\0';
    b->body = p + head;
    b->next = p + size;
    *at = b->next;
    return true;
}

/* The first box of type inside [p, end), or false. */
static bool find_box(const unsigned char *p, const unsigned char *end, const char *type, box_t *b)
{
    while (next_box(&p, end, b))
        if (strcmp(b->type, type) == 0)
            return true;
    return false;
}

/* True when the HEIF file's bytes (len of them) give their primary item an irot or imir
 * property. */
static bool has_transform(const unsigned char *p, size_t len)
{
    box_t meta, pitm, iprp, ipco, b;
    const unsigned char *end = p + len;
    if (!find_box(p, end, "meta", &meta) || meta.next - meta.body < 4)
        return false;
    const unsigned char *m = meta.body + 4; /* a full box: version and flags */
    if (!find_box(m, meta.next, "pitm", &pitm) || pitm.next - pitm.body < 6)
        return false;
    uint32_t primary = pitm.body[0] == 0            ? be16(pitm.body + 4)
                       : pitm.next - pitm.body >= 8 ? be32(pitm.body + 4)
                                                    : 0;
    if (!find_box(m, meta.next, "iprp", &iprp) || !find_box(iprp.body, iprp.next, "ipco", &ipco))
        return false;
    /* The properties, numbered from 1 in ipco's order: which are transforms (at most 32767). */
    static const size_t MAXP = 32768;
    unsigned char *transform = calloc(MAXP, 1);
    if (transform == NULL)
        return false;
    size_t n = 0;
    for (const unsigned char *q = ipco.body; n + 1 < MAXP && next_box(&q, ipco.next, &b);)
        transform[++n] = strcmp(b.type, "irot") == 0 || strcmp(b.type, "imir") == 0;
    bool found = false;
    for (const unsigned char *q = iprp.body; !found && next_box(&q, iprp.next, &b);) {
        if (strcmp(b.type, "ipma") != 0 || b.next - b.body < 8)
            continue;
        int version = b.body[0];
        bool wide = b.body[3] & 1; /* flags: 15-bit property indices */
        const unsigned char *e = b.body + 8, *stop = b.next;
        for (uint32_t k = be32(b.body + 4); k > 0 && !found; k--) {
            size_t idlen = version < 1 ? 2 : 4;
            if ((size_t)(stop - e) < idlen + 1)
                break;
            uint32_t item = version < 1 ? be16(e) : be32(e);
            unsigned count = e[idlen];
            e += idlen + 1;
            size_t each = wide ? 2 : 1;
            if ((size_t)(stop - e) < count * each)
                break;
            for (unsigned a = 0; a < count; a++, e += each) {
                size_t index = wide ? be16(e) & 0x7fff : e[0] & 0x7f;
                found |= item == primary && index >= 1 && index <= n && transform[index];
            }
        }
    }
    free(transform);
    return found;
}

/* The orientation in an EXIF block as HEIF stores it (a 4-byte offset to the TIFF header, which
 * some writers precede with "Exif\0\0"): IFD0's Orientation tag; 1 when there is none. */
static int exif_orientation(const unsigned char *p, size_t len)
{
    if (len < 4 || be32(p) > len - 4)
        return 1;
    size_t at = 4 + be32(p);
    if (len - at >= 6 && memcmp(p + at, "Exif\0\0", 6) == 0)
        at += 6;
    const unsigned char *t = p + at;
    size_t n = len - at;
    if (n < 8 || !(memcmp(t, "II", 2) == 0 || memcmp(t, "MM", 2) == 0))
        return 1;
    bool le = t[0] == 'I';
#define U16(x) (le ? (uint16_t)((x)[0] | (x)[1] << 8) : be16(x))
#define U32(x)                                                                                     \
    (le ? (uint32_t)((x)[0] | (x)[1] << 8 | (x)[2] << 16 | (uint32_t)(x)[3] << 24) : be32(x))
    uint32_t ifd = U32(t + 4);
    if (ifd > n - 2)
        return 1;
    unsigned entries = U16(t + ifd);
    for (unsigned i = 0; i < entries; i++) {
        size_t e = ifd + 2 + (size_t)i * 12;
        if (e + 12 > n)
            break;
        if (U16(t + e) == 0x0112 && U16(t + e + 2) == 3) { /* Orientation, SHORT */
            int v = U16(t + e + 8);
            return v >= 1 && v <= 8 ? v : 1;
        }
    }
#undef U16
#undef U32
    return 1;
}

int heif_exif_orientation(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0)
        return 1;
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return 1;
    int orientation = 1;
    if (!has_transform(map, (size_t)st.st_size)) {
        struct heif_context *ctx = heif_context_alloc();
        struct heif_image_handle *h = NULL;
        heif_item_id id;
        if (ctx != NULL &&
            heif_context_read_from_memory_without_copy(ctx, map, (size_t)st.st_size, NULL).code ==
                heif_error_Ok &&
            heif_context_get_primary_image_handle(ctx, &h).code == heif_error_Ok &&
            heif_image_handle_get_list_of_metadata_block_IDs(h, "Exif", &id, 1) == 1) {
            size_t len = heif_image_handle_get_metadata_size(h, id);
            unsigned char *exif = len > 0 && len < (64u << 20) ? malloc(len) : NULL;
            if (exif != NULL && heif_image_handle_get_metadata(h, id, exif).code == heif_error_Ok)
                orientation = exif_orientation(exif, len);
            free(exif);
        }
        heif_image_handle_release(h); /* (both take NULL: libheif deletes) */
        heif_context_free(ctx);
    }
    munmap(map, (size_t)st.st_size);
    return orientation;
}
