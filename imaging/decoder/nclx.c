#include "decoder/nclx.h"

#include <lcms2.h>
#include <libheif/heif.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    TC_LINEAR = 8,
    TC_PQ = 16,
    TC_HLG = 18,
    CP_BT709 = 1,
    CP_UNSPECIFIED = 2,
};

#define SOURCE_PEAK 1000.0 /* cd/m2: HDR content's assumed mastering peak (and HLG's display) */
#define SDR_WHITE 203.0    /* cd/m2: BT.2408's reference white, SDR's 100% */
#define CURVE_POINTS 4096

bool nclx_read(int fd, nclx_t *n)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size <= 0)
        return false;
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return false;
    bool found = false;
    struct heif_context *ctx = heif_context_alloc();
    struct heif_image_handle *h = NULL;
    struct heif_color_profile_nclx *p = NULL;
    if (ctx != NULL &&
        heif_context_read_from_memory_without_copy(ctx, map, (size_t)st.st_size, NULL).code ==
            heif_error_Ok &&
        heif_context_get_primary_image_handle(ctx, &h).code == heif_error_Ok &&
        heif_image_handle_get_nclx_color_profile(h, &p).code == heif_error_Ok) {
        n->primaries = p->color_primaries;
        n->transfer = p->transfer_characteristics;
        double xy[4][2] = {{p->color_primary_red_x, p->color_primary_red_y},
                           {p->color_primary_green_x, p->color_primary_green_y},
                           {p->color_primary_blue_x, p->color_primary_blue_y},
                           {p->color_primary_white_x, p->color_primary_white_y}};
        memcpy(n->xy, xy, sizeof xy);
        bool srgb_primaries = n->primaries == CP_BT709 || n->primaries == CP_UNSPECIFIED;
        bool hdr = n->transfer == TC_PQ || n->transfer == TC_HLG || n->transfer == TC_LINEAR;
        found = (!srgb_primaries || hdr) && n->xy[3][1] > 0;
    }
    heif_nclx_color_profile_free(p);
    heif_image_handle_release(h); /* (both take NULL: libheif deletes) */
    heif_context_free(ctx);
    munmap(map, (size_t)st.st_size);
    return found;
}

bool nclx_from_codes(int primaries, int transfer, nclx_t *n)
{
    static const struct {
        int code;
        double xy[4][2];
    } known[] = {
        {1, {{0.64, 0.33}, {0.30, 0.60}, {0.15, 0.06}, {0.3127, 0.3290}}},        /* BT.709 */
        {9, {{0.708, 0.292}, {0.170, 0.797}, {0.131, 0.046}, {0.3127, 0.3290}}},  /* BT.2020 */
        {11, {{0.680, 0.320}, {0.265, 0.690}, {0.150, 0.060}, {0.314, 0.351}}},   /* DCI-P3 */
        {12, {{0.680, 0.320}, {0.265, 0.690}, {0.150, 0.060}, {0.3127, 0.3290}}}, /* P3-D65 */
    };
    bool hdr = transfer == TC_PQ || transfer == TC_HLG || transfer == TC_LINEAR;
    int use = 0; /* unspecified, BT.601 and others near enough to sRGB: as BT.709 */
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].code == primaries)
            use = (int)i;
    n->primaries = known[use].code;
    n->transfer = transfer;
    memcpy(n->xy, known[use].xy, sizeof n->xy);
    return known[use].code != CP_BT709 || hdr;
}

/* ---- transfer functions, to cd/m2 */

static double pq_eotf(double e) /* SMPTE ST 2084: code value 0..1 -> 0..10000 cd/m2 */
{
    const double m1 = 2610.0 / 16384, m2 = 2523.0 / 4096 * 128, c1 = 3424.0 / 4096,
                 c2 = 2413.0 / 4096 * 32, c3 = 2392.0 / 4096 * 32;
    double p = pow(e, 1 / m2);
    double num = p - c1 > 0 ? p - c1 : 0;
    return 10000 * pow(num / (c2 - c3 * p), 1 / m1);
}

static double pq_oetf(double l) /* its inverse: cd/m2 -> 0..1 */
{
    const double m1 = 2610.0 / 16384, m2 = 2523.0 / 4096 * 128, c1 = 3424.0 / 4096,
                 c2 = 2413.0 / 4096 * 32, c3 = 2392.0 / 4096 * 32;
    double y = pow(l / 10000, m1);
    return pow((c1 + c2 * y) / (1 + c3 * y), m2);
}

static double hlg_display(double e) /* BT.2100 HLG: inverse OETF, then the OOTF, per channel */
{
    const double a = 0.17883277, b = 1 - 4 * a, c = 0.5 - a * log(4 * a);
    double scene = e <= 0.5 ? e * e / 3 : (exp((e - c) / a) + b) / 12;
    return SOURCE_PEAK * pow(scene, 1.2);
}

/* BT.2390's EETF, from [0, SOURCE_PEAK] to [0, SDR_WHITE] cd/m2: unchanged up to a knee, then a
 * Hermite spline that reaches the target peak at the source peak. */
static double eetf(double l)
{
    double src = pq_oetf(SOURCE_PEAK), e = pq_oetf(l > SOURCE_PEAK ? SOURCE_PEAK : l) / src;
    double max_lum = pq_oetf(SDR_WHITE) / src, ks = 1.5 * max_lum - 0.5;
    if (e > ks) {
        double t = (e - ks) / (1 - ks), t2 = t * t, t3 = t2 * t;
        e = (2 * t3 - 3 * t2 + 1) * ks + (t3 - 2 * t2 + t) * (1 - ks) +
            (-2 * t3 + 3 * t2) * max_lum;
    }
    return pq_eotf(e * src);
}

/* The profile's tone curve for transfer tc: code value -> linear light relative to SDR white. */
static cmsToneCurve *tone_curve(int tc)
{
    if (tc == TC_LINEAR)
        return cmsBuildGamma(NULL, 1.0);
    if (tc != TC_PQ && tc != TC_HLG) { /* sRGB's curve for every SDR transfer */
        const cmsFloat64Number srgb[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
        return cmsBuildParametricToneCurve(NULL, 4, srgb);
    }
    cmsFloat32Number *v = malloc(CURVE_POINTS * sizeof *v);
    if (v == NULL)
        return NULL;
    for (int i = 0; i < CURVE_POINTS; i++) {
        double e = (double)i / (CURVE_POINTS - 1);
        double l = tc == TC_PQ ? pq_eotf(e) : hlg_display(e);
        double rel = eetf(l) / SDR_WHITE;
        v[i] = (cmsFloat32Number)(rel > 1 ? 1 : rel);
    }
    cmsToneCurve *c = cmsBuildTabulatedToneCurveFloat(NULL, CURVE_POINTS, v);
    free(v);
    return c;
}

/* An ICC profile (v4, in memory, g_malloc'd) of n's primaries and white with the tone curve of
 * transfer tc. */
static void *make_profile(const nclx_t *n, int tc, size_t *len)
{
    cmsCIExyY white = {n->xy[3][0], n->xy[3][1], 1.0};
    cmsCIExyYTRIPLE prim = {{n->xy[0][0], n->xy[0][1], 1.0},
                            {n->xy[1][0], n->xy[1][1], 1.0},
                            {n->xy[2][0], n->xy[2][1], 1.0}};
    cmsToneCurve *c = tone_curve(tc);
    cmsToneCurve *curves[3] = {c, c, c};
    cmsHPROFILE p = c ? cmsCreateRGBProfile(&white, &prim, curves) : NULL;
    cmsUInt32Number n_bytes = 0;
    void *buf = NULL;
    if (p != NULL && cmsSaveProfileToMem(p, NULL, &n_bytes) && n_bytes > 0) {
        buf = g_malloc(n_bytes);
        if (!cmsSaveProfileToMem(p, buf, &n_bytes))
            g_clear_pointer(&buf, g_free);
    }
    if (p != NULL)
        cmsCloseProfile(p);
    if (c != NULL)
        cmsFreeToneCurve(c);
    *len = n_bytes;
    return buf;
}

int nclx_convert(VipsImage *in, const nclx_t *n, bool keep_gamut, VipsImage **out)
{
    size_t len, out_len = 0;
    void *icc = make_profile(n, n->transfer, &len);
    /* With the gamut kept, the output profile is the file's own primaries with sRGB's curve;
     * libvips reads a profile by name, so it is handed over as a memory file. */
    void *out_icc = keep_gamut ? make_profile(n, 13, &out_len) : NULL;
    VipsImage *tagged = NULL;
    int rc = -1, fd = -1;
    char name[40] = "srgb";
    if (icc == NULL || (keep_gamut && out_icc == NULL)) {
        vips_error("nclx", "cannot build a profile for the file's nclx colour");
        goto done;
    }
    if (vips_copy(in, &tagged, NULL))
        goto done;
    vips_image_set_blob_copy(tagged, VIPS_META_ICC_NAME, icc, len);
    if (keep_gamut) {
        fd = memfd_create("thumbgen-profile", MFD_CLOEXEC);
        if (fd < 0 || write(fd, out_icc, out_len) != (ssize_t)out_len) {
            vips_error("nclx", "cannot hold a profile in memory");
            goto done;
        }
        snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    }
    rc = vips_icc_transform(tagged, out, name, "embedded", TRUE, "intent", VIPS_INTENT_RELATIVE,
                            "depth", 8, NULL);
    if (rc == 0 && keep_gamut) /* carry the output profile, for encoders that embed it */
        vips_image_set_blob_copy(*out, VIPS_META_ICC_NAME, out_icc, out_len);
done:
    if (fd >= 0)
        close(fd);
    g_free(icc);
    g_free(out_icc);
    VIPS_UNREF(tagged);
    return rc;
}
