#include "decoder/frames.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define FRAMES_MAX ((uint64_t)256 << 20) /* bytes of frames decoded into memory, at most */
#define SPARE_MAX ((size_t)64 << 20)     /* the largest buffer kept for the next animation */

/* One buffer kept between animations (a decoder makes one at a time; a lock for the tests and
 * fuzzers that call in from several threads). pthread locks rather than GLib's here: GLib's are
 * bare futexes, which ThreadSanitizer cannot see. */
static pthread_mutex_t spare_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *spare;
static size_t spare_cap;

typedef struct {
    uint8_t *buf;
    size_t cap;
} held_t;

bool frames_wanted(const char *loader, int w, int h, int frames, int bands)
{
    uint64_t budget = FRAMES_MAX;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < budget)
        budget = rl.rlim_cur / 4;
    return (strstr(loader, "gif") != NULL || strstr(loader, "Gif") != NULL) && frames > 1 &&
           (uint64_t)w * (uint64_t)h * (uint64_t)frames * (uint64_t)bands <= budget;
}

/* A buffer of at least need bytes: the spare when it is large enough. NULL when out of memory. */
static held_t *take(size_t need)
{
    held_t *h = g_new0(held_t, 1);
    pthread_mutex_lock(&spare_lock);
    if (spare != NULL && spare_cap >= need) {
        h->buf = spare;
        h->cap = spare_cap;
        spare = NULL;
    }
    pthread_mutex_unlock(&spare_lock);
    if (h->buf == NULL) {
        h->buf = malloc(need);
        h->cap = need;
    }
    if (h->buf != NULL)
        return h;
    g_free(h);
    return NULL;
}

/* The "postclose" of the image over h's memory: the buffer becomes the spare, or is freed. */
static void give_back(VipsImage *image, held_t *h)
{
    (void)image;
    pthread_mutex_lock(&spare_lock);
    if (h->cap <= SPARE_MAX && (spare == NULL || spare_cap < h->cap)) {
        uint8_t *old = spare;
        spare = h->buf;
        spare_cap = h->cap;
        h->buf = old;
    }
    pthread_mutex_unlock(&spare_lock);
    free(h->buf);
    g_free(h);
}

/* Copying the frames out of libvips' pipeline, a strip at a time, top to bottom, in one of
 * libvips' threads at a time (vips_sink_disc). The lock orders what the caller's thread and those
 * threads see of this, for ThreadSanitizer as for the reader: libvips' own hand-over is a GLib
 * lock it cannot see. */
typedef struct {
    pthread_mutex_t lock;
    uint8_t *buf;
    size_t width;  /* pixels a line */
    size_t pel;    /* bytes a pixel, as stored */
    bool dropping; /* RGBA stored as RGB: every pixel so far is opaque */
} fill_t;

/* Copies n RGBA pixels from p to q as RGB (four bytes at a time, the fourth overwritten by the
 * next pixel). False when one of them is not opaque. */
static bool drop_alpha(uint8_t *q, const uint8_t *p, size_t n)
{
    uint8_t all = p[4 * (n - 1) + 3];
    for (size_t x = 0; x + 1 < n; x++) {
        memcpy(q + 3 * x, p + 4 * x, 4);
        all &= p[4 * x + 3];
    }
    memcpy(q + 3 * (n - 1), p + 4 * (n - 1), 3);
    return all == 255;
}

/* The lines above y, stored without alpha, get it back (255: they were opaque), in place, from
 * the last pixel back so that nothing is overwritten before it is read; then lines go in whole. */
static void restore_alpha(fill_t *f, int y)
{
    for (size_t i = f->width * (size_t)y; i-- > 0;) {
        f->buf[4 * i + 3] = 255;
        f->buf[4 * i + 2] = f->buf[3 * i + 2];
        f->buf[4 * i + 1] = f->buf[3 * i + 1];
        f->buf[4 * i] = f->buf[3 * i];
    }
    f->dropping = false;
    f->pel = 4;
}

static int fill(VipsRegion *region, VipsRect *area, void *a)
{
    fill_t *f = a;
    pthread_mutex_lock(&f->lock);
    for (int y = area->top; y < VIPS_RECT_BOTTOM(area); y++) {
        const uint8_t *p = VIPS_REGION_ADDR(region, area->left, y);
        if (f->dropping && !drop_alpha(f->buf + (size_t)y * f->width * 3, p, f->width))
            restore_alpha(f, y); /* line y is copied whole below */
        if (!f->dropping)
            memcpy(f->buf + (size_t)y * f->width * f->pel, p, f->width * f->pel);
    }
    pthread_mutex_unlock(&f->lock);
    return 0;
}

/* Copies the source's metadata to the image over the copied frames; the header fields it has of
 * its own. */
static void *copy_meta(VipsImage *from, const char *name, GValue *value, void *a)
{
    (void)from;
    static const char *const own[] = {"width",  "height",         "bands",   "format",
                                      "coding", "interpretation", "xoffset", "yoffset",
                                      "xres",   "yres",           "filename"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(name, own[i]) == 0)
            return NULL;
    vips_image_set(a, name, value);
    return NULL;
}

int frames_load(VipsSource *source, VipsImage **out)
{
    *out = NULL;
    VipsImage *all = vips_image_new_from_source(source, "n=-1", "fail_on", VIPS_FAIL_ON_TRUNCATED,
                                                "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (all == NULL)
        return -1;
    size_t size = VIPS_IMAGE_SIZEOF_LINE(all) * (size_t)all->Ysize;
    held_t *h = take(size);
    if (h == NULL) {
        vips_error("thumbgen", "out of memory for %d frames", vips_image_get_n_pages(all));
        g_object_unref(all);
        return -1;
    }
    bool rgba = all->Bands == 4 && all->BandFmt == VIPS_FORMAT_UCHAR;
    fill_t f = {.lock = PTHREAD_MUTEX_INITIALIZER,
                .buf = h->buf,
                .width = (size_t)all->Xsize,
                .pel = rgba ? 3 : VIPS_IMAGE_SIZEOF_PEL(all),
                .dropping = rgba};
    pthread_mutex_lock(&f.lock); /* published to the threads that fill */
    pthread_mutex_unlock(&f.lock);
    int r = vips_sink_disc(all, fill, &f);
    pthread_mutex_lock(&f.lock); /* and what they filled, back */
    int bands = f.dropping ? 3 : all->Bands;
    pthread_mutex_unlock(&f.lock);
    pthread_mutex_destroy(&f.lock);
    VipsImage *mem = r == 0 ? vips_image_new_from_memory(h->buf, size, all->Xsize, all->Ysize,
                                                         bands, all->BandFmt)
                            : NULL;
    if (mem == NULL) {
        give_back(NULL, h);
        g_object_unref(all);
        return -1;
    }
    g_signal_connect(mem, "postclose", G_CALLBACK(give_back), h);
    r = vips_copy(mem, out, "interpretation", all->Type, "xres", all->Xres, "yres", all->Yres,
                  NULL);
    g_object_unref(mem);
    if (r == 0)
        vips_image_map(all, copy_meta, *out);
    g_object_unref(all);
    return r;
}
