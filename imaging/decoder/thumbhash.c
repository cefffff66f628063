#include "decoder/thumbhash.h"

#include "decoder/jscos.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

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
