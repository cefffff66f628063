#include "decoder/thumbhash.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* fdlibm's cos (Sun Microsystems, 1993: "Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice is preserved"), as V8 computes
 * JavaScript's Math.cos (src/base/ieee754.cc), for arguments below 2^19 * pi/2: glibc's cos is
 * nearer correctly rounded and differs from it in the last bit for about 4% of a thumbnail's
 * arguments, which moves DCT terms that are zero in exact arithmetic (a symmetric image's) across
 * a rounding boundary of the hash. */
static uint32_t high_word(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return (uint32_t)(u >> 32);
}

static double kernel_cos(double x, double y)
{
    static const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                        C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                        C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
    uint32_t ix = high_word(x) & 0x7fffffff;
    if (ix < 0x3e400000 && (int)x == 0)
        return 1.0;
    double z = x * x;
    double r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
    if (ix < 0x3fd33333)
        return 1.0 - (0.5 * z - (z * r - x * y));
    double qx;
    if (ix > 0x3fe90000) {
        qx = 0.28125;
    } else {
        uint64_t u = (uint64_t)(ix - 0x00200000) << 32;
        memcpy(&qx, &u, sizeof qx);
    }
    double hz = 0.5 * z - qx;
    double a = 1.0 - qx;
    return a - (hz - (z * r - x * y));
}

static double kernel_sin(double x, double y)
{
    static const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                        S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                        S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
    uint32_t ix = high_word(x) & 0x7fffffff;
    if (ix < 0x3e400000 && (int)x == 0)
        return x;
    double z = x * x, v = z * x;
    double r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
    return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}

/* x reduced by a multiple n of pi/2 into y[0] + y[1]; returns n. |x| below 2^19 * pi/2. */
static int rem_pio2(double x, double y[2])
{
    static const double invpio2 = 6.36619772367581382433e-01, pio2_1 = 1.57079632673412561417e+00,
                        pio2_1t = 6.07710050650619224932e-11, pio2_2 = 6.07710050630396597660e-11,
                        pio2_2t = 2.02226624879595063154e-21, pio2_3 = 2.02226624871116645580e-21,
                        pio2_3t = 8.47842766036889956997e-32;
    static const uint32_t npio2_hw[] = {
        0x3ff921fb, 0x400921fb, 0x4012d97c, 0x401921fb, 0x401f6a7a, 0x4022d97c, 0x4025fdbb,
        0x402921fb, 0x402c463a, 0x402f6a7a, 0x4031475c, 0x4032d97c, 0x40346b9c, 0x4035fdbb,
        0x40378fdb, 0x403921fb, 0x403ab41b, 0x403c463a, 0x403dd85a, 0x403f6a7a, 0x40407e4c,
        0x4041475c, 0x4042106c, 0x4042d97c, 0x4043a28c, 0x40446b9c, 0x404534ac, 0x4045fdbb,
        0x4046c6cb, 0x40478fdb, 0x404858eb, 0x404921fb};
    uint32_t hx = high_word(x), ix = hx & 0x7fffffff;
    bool negative = hx >> 31;
    if (ix <= 0x3fe921fb) {
        y[0] = x, y[1] = 0;
        return 0;
    }
    if (ix < 0x4002d97c) { /* |x| < 3pi/4: n = +-1 */
        double z;
        if (!negative) {
            z = x - pio2_1;
            if (ix != 0x3ff921fb) {
                y[0] = z - pio2_1t;
                y[1] = (z - y[0]) - pio2_1t;
            } else {
                z -= pio2_2;
                y[0] = z - pio2_2t;
                y[1] = (z - y[0]) - pio2_2t;
            }
            return 1;
        }
        z = x + pio2_1;
        if (ix != 0x3ff921fb) {
            y[0] = z + pio2_1t;
            y[1] = (z - y[0]) + pio2_1t;
        } else {
            z += pio2_2;
            y[0] = z + pio2_2t;
            y[1] = (z - y[0]) + pio2_2t;
        }
        return -1;
    }
    double t = fabs(x);
    int n = (int)(t * invpio2 + 0.5);
    double fn = (double)n;
    double r = t - fn * pio2_1;
    double w = fn * pio2_1t;
    if (n < 32 && ix != npio2_hw[n - 1]) {
        y[0] = r - w;
    } else {
        uint32_t j = ix >> 20;
        y[0] = r - w;
        uint32_t i = j - ((high_word(y[0]) >> 20) & 0x7ff);
        if (i > 16) {
            t = r;
            w = fn * pio2_2;
            r = t - w;
            w = fn * pio2_2t - ((t - r) - w);
            y[0] = r - w;
            i = j - ((high_word(y[0]) >> 20) & 0x7ff);
            if (i > 49) {
                t = r;
                w = fn * pio2_3;
                r = t - w;
                w = fn * pio2_3t - ((t - r) - w);
                y[0] = r - w;
            }
        }
    }
    y[1] = (r - y[0]) - w;
    if (negative) {
        y[0] = -y[0], y[1] = -y[1];
        return -n;
    }
    return n;
}

static double js_cos(double x)
{
    if ((high_word(x) & 0x7fffffff) <= 0x3fe921fb)
        return kernel_cos(x, 0);
    double y[2];
    switch (rem_pio2(x, y) & 3) {
    case 0:
        return kernel_cos(y[0], y[1]);
    case 1:
        return -kernel_sin(y[0], y[1]);
    case 2:
        return -kernel_cos(y[0], y[1]);
    default:
        return kernel_sin(y[0], y[1]);
    }
}

/* JavaScript's Math.round: the nearest integer, halves up (-2.5 -> -2). */
static double js_round(double x)
{
    return floor(x + 0.5);
}

/* The DCT of channel (w x h) into its DC term and its AC terms normalised to 0..1 by their
 * largest magnitude (*scale), in the reference's order: for each cy, the cx with cx * ny <
 * nx * (ny - cy). cosx[cx][x] and cosy[cy][y]: the cosines the reference computes for each term
 * (the same arguments, so the same values), computed once. Returns the number of AC terms. */
static int encode_channel(const double *channel, int w, int h, int nx, int ny,
                          const double (*cosx)[100], const double (*cosy)[100], double *dc,
                          double *ac, double *scale)
{
    int n = 0;
    *dc = 0;
    *scale = 0;
    for (int cy = 0; cy < ny; cy++) {
        for (int cx = 0; cx * ny < nx * (ny - cy); cx++) {
            double f = 0;
            for (int y = 0; y < h; y++) {
                double fy = cosy[cy][y];
                for (int x = 0; x < w; x++)
                    f += channel[x + y * w] * cosx[cx][x] * fy;
            }
            f /= w * h;
            if (cx || cy) {
                ac[n++] = f;
                *scale = fmax(*scale, fabs(f));
            } else {
                *dc = f;
            }
        }
    }
    if (*scale != 0)
        for (int i = 0; i < n; i++)
            ac[i] = 0.5 + 0.5 / *scale * ac[i];
    return n;
}

/* Pixel i of px (bands 1: grey, 2: grey and alpha, 3: RGB, 4: RGBA) as RGBA. */
static void rgba_at(const uint8_t *px, int bands, int i, uint8_t v[4])
{
    const uint8_t *p = px + (size_t)i * bands;
    bool colour = bands >= 3;
    v[0] = p[0];
    v[1] = colour ? p[1] : p[0];
    v[2] = colour ? p[2] : p[0];
    v[3] = bands == 2 || bands == 4 ? p[bands - 1] : 255;
}

size_t thumbhash_encode(int w, int h, int bands, const uint8_t *px, uint8_t out[THUMBHASH_MAX])
{
    int n = w * h;
    double avg_r = 0, avg_g = 0, avg_b = 0, avg_a = 0;
    for (int i = 0; i < n; i++) {
        uint8_t v[4];
        rgba_at(px, bands, i, v);
        double alpha = v[3] / 255.0;
        avg_r += alpha / 255 * v[0];
        avg_g += alpha / 255 * v[1];
        avg_b += alpha / 255 * v[2];
        avg_a += alpha;
    }
    if (avg_a != 0) {
        avg_r /= avg_a;
        avg_g /= avg_a;
        avg_b /= avg_a;
    }
    bool has_alpha = avg_a < n;
    int l_limit = has_alpha ? 5 : 7; /* fewer luminance terms when alpha needs room */
    int big = w > h ? w : h;
    int lx = (int)fmax(1, js_round((double)l_limit * w / big));
    int ly = (int)fmax(1, js_round((double)l_limit * h / big));
    double *l = malloc(sizeof(double) * 4 * (size_t)n);
    if (l == NULL)
        return 0;
    double *p = l + n, *q = p + n, *a = q + n;
    /* RGBA to LPQA, composited atop the average colour. */
    for (int i = 0; i < n; i++) {
        uint8_t v[4];
        rgba_at(px, bands, i, v);
        double alpha = v[3] / 255.0;
        double r = avg_r * (1 - alpha) + alpha / 255 * v[0];
        double g = avg_g * (1 - alpha) + alpha / 255 * v[1];
        double b = avg_b * (1 - alpha) + alpha / 255 * v[2];
        l[i] = (r + g + b) / 3;
        p[i] = (r + g) / 2 - b;
        q[i] = r - g;
        a[i] = alpha;
    }
    /* cos(PI / w * cx * (x + 0.5)) for every cx < 7 (the most terms a channel has each way), and
     * the same down. */
    double cosx[7][100], cosy[7][100];
    for (int c = 0; c < 7; c++) {
        for (int x = 0; x < w; x++)
            cosx[c][x] = js_cos(M_PI / w * c * (x + 0.5));
        for (int y = 0; y < h; y++)
            cosy[c][y] = js_cos(M_PI / h * c * (y + 0.5));
    }
    double l_dc, p_dc, q_dc, a_dc = 0, l_scale, p_scale, q_scale, a_scale = 0;
    double l_ac[64], p_ac[8], q_ac[8], a_ac[32];
    int nl = encode_channel(l, w, h, lx > 3 ? lx : 3, ly > 3 ? ly : 3, cosx, cosy, &l_dc, l_ac,
                            &l_scale);
    int np = encode_channel(p, w, h, 3, 3, cosx, cosy, &p_dc, p_ac, &p_scale);
    int nq = encode_channel(q, w, h, 3, 3, cosx, cosy, &q_dc, q_ac, &q_scale);
    int na = has_alpha ? encode_channel(a, w, h, 5, 5, cosx, cosy, &a_dc, a_ac, &a_scale) : 0;
    free(l);

    bool landscape = w > h;
    uint32_t header24 = (uint32_t)js_round(63 * l_dc) |
                        (uint32_t)js_round(31.5 + 31.5 * p_dc) << 6 |
                        (uint32_t)js_round(31.5 + 31.5 * q_dc) << 12 |
                        (uint32_t)js_round(31 * l_scale) << 18 | (uint32_t)has_alpha << 23;
    uint32_t header16 = (uint32_t)(landscape ? ly : lx) | (uint32_t)js_round(63 * p_scale) << 3 |
                        (uint32_t)js_round(63 * q_scale) << 9 | (uint32_t)landscape << 15;
    size_t len = 0;
    out[len++] = header24 & 255;
    out[len++] = header24 >> 8 & 255;
    out[len++] = header24 >> 16 & 255;
    out[len++] = header16 & 255;
    out[len++] = header16 >> 8 & 255;
    if (has_alpha)
        out[len++] = (uint8_t)((int)js_round(15 * a_dc) | (int)js_round(15 * a_scale) << 4);
    size_t ac_start = len;
    const double *acs[4] = {l_ac, p_ac, q_ac, a_ac};
    int counts[4] = {nl, np, nq, na};
    int index = 0;
    for (int c = 0; c < (has_alpha ? 4 : 3); c++)
        for (int i = 0; i < counts[c]; i++, index++) {
            size_t at = ac_start + (size_t)(index >> 1);
            if (at >= THUMBHASH_MAX)
                return len; /* (cannot happen: at most 19 bytes of terms) */
            if (at >= len)
                out[len++] = 0;
            out[at] |= (uint8_t)((int)js_round(15 * acs[c][i]) << ((index & 1) << 2));
        }
    return len;
}

int thumbhash_of(VipsImage *im, char *b64, size_t size)
{
    VipsObject *scope = VIPS_OBJECT(vips_image_new());
    VipsImage **x = (VipsImage **)vips_object_local_array(scope, 4);
    VipsImage *cur = im;
    int rc = -1;
    int page = vips_image_get_page_height(cur);
    if (page < cur->Ysize) { /* an animation: its first frame */
        if (vips_extract_area(cur, &x[0], 0, 0, cur->Xsize, page, NULL))
            goto out;
        cur = x[0];
    }
    int big = cur->Xsize > cur->Ysize ? cur->Xsize : cur->Ysize;
    if (big > 100) { /* libvips fits it into 100x100 (linear: the hash keeps only a blur) */
        if (vips_resize(cur, &x[1], 100.0 / big, "kernel", VIPS_KERNEL_LINEAR, NULL))
            goto out;
        cur = x[1];
        if (cur->Xsize > 100 || cur->Ysize > 100) { /* (a rounding up) */
            if (vips_crop(cur, &x[2], 0, 0, VIPS_MIN(cur->Xsize, 100), VIPS_MIN(cur->Ysize, 100),
                          NULL))
                goto out;
            cur = x[2];
        }
    }
    if (cur->BandFmt != VIPS_FORMAT_UCHAR || cur->Bands > 4) {
        vips_error("thumbhash", "want 8-bit grey or RGB, with or without alpha");
        goto out;
    }
    if ((x[3] = vips_image_copy_memory(cur)) == NULL)
        goto out;
    uint8_t hash[THUMBHASH_MAX];
    size_t n =
        thumbhash_encode(x[3]->Xsize, x[3]->Ysize, x[3]->Bands, VIPS_IMAGE_ADDR(x[3], 0, 0), hash);
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (n == 0 || size < (n + 2) / 3 * 4 + 1) {
        vips_error("thumbhash", "cannot encode");
        goto out;
    }
    char *o = b64;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)hash[i] << 16 | (i + 1 < n ? (uint32_t)hash[i + 1] << 8 : 0) |
                     (i + 2 < n ? hash[i + 2] : 0);
        *o++ = abc[v >> 18 & 63];
        *o++ = abc[v >> 12 & 63];
        *o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? abc[v & 63] : '=';
    }
    *o = '\0';
    rc = 0;
out:
    g_object_unref(scope);
    return rc;
}
