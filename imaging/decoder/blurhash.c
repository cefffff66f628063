#include "decoder/blurhash.h"

#include <math.h>
#include <stdbool.h>

#include "decoder/jscos.h"

static double srgb_to_linear(int v)
{
    double e = v / 255.0;
    return e <= 0.04045 ? e / 12.92 : pow((e + 0.055) / 1.055, 2.4);
}

static int linear_to_srgb(double t)
{
    double e = fmax(0, fmin(1, t));
    return e <= 0.0031308 ? (int)trunc(e * 12.92 * 255 + 0.5)
                          : (int)trunc((1.055 * pow(e, 0.4166666666666667) - 0.055) * 255 + 0.5);
}

static double sign_pow(double t, double e)
{
    return (t < 0 ? -1 : 1) * pow(fabs(t), e);
}

/* Writes value in base 83, `digits` digits of it, the reference's way; returns the end. */
static char *base83(char *out, double value, int digits)
{
    static const char abc[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "#$%*+,-.:;=?@[]^_{|}~";
    for (int n = 1; n <= digits; n++)
        *out++ = abc[(int)floor(fmod(floor(value) / pow(83, digits - n), 83))];
    return out;
}

size_t blurhash_encode(int w, int h, int bands, const uint8_t *px, int nx, int ny, char *out)
{
    double lin[256];
    for (int v = 0; v < 256; v++)
        lin[v] = srgb_to_linear(v);
    double factors[81][3], cosx[100], cosy[100];
    bool colour = bands >= 3;
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
            double norm = x == 0 && y == 0 ? 1 : 2;
            for (int i = 0; i < w; i++)
                cosx[i] = js_cos(M_PI * x * i / w);
            for (int j = 0; j < h; j++)
                cosy[j] = js_cos(M_PI * y * j / h);
            double r = 0, g = 0, b = 0;
            for (int i = 0; i < w; i++) /* by column, as the reference sums */
                for (int j = 0; j < h; j++) {
                    const uint8_t *p = px + ((size_t)j * w + i) * bands;
                    double a = norm * cosx[i] * cosy[j];
                    r += a * lin[p[0]];
                    g += a * lin[colour ? p[1] : p[0]];
                    b += a * lin[colour ? p[2] : p[0]];
                }
            double scale = 1.0 / (w * h);
            double *f = factors[y * nx + x];
            f[0] = r * scale, f[1] = g * scale, f[2] = b * scale;
        }
    int n = nx * ny;
    char *o = base83(out, (nx - 1) + (ny - 1) * 9, 1);
    double maximum = 1, quantised = 0;
    if (n > 1) {
        double actual = -INFINITY; /* the largest value, not magnitude, as the reference has it */
        for (int i = 1; i < n; i++)
            for (int c = 0; c < 3; c++)
                actual = fmax(actual, factors[i][c]);
        quantised = floor(fmax(0, fmin(82, floor(actual * 166 - 0.5))));
        maximum = (quantised + 1) / 166;
    }
    o = base83(o, quantised, 1);
    int dc = (linear_to_srgb(factors[0][0]) << 16) + (linear_to_srgb(factors[0][1]) << 8) +
             linear_to_srgb(factors[0][2]);
    o = base83(o, dc, 4);
    for (int i = 1; i < n; i++) {
        double q[3];
        for (int c = 0; c < 3; c++)
            q[c] =
                floor(fmax(0, fmin(18, floor(sign_pow(factors[i][c] / maximum, 0.5) * 9 + 9.5))));
        o = base83(o, q[0] * 19 * 19 + q[1] * 19 + q[2], 2);
    }
    *o = '\0';
    return (size_t)(o - out);
}
