#include "decoder/jscos.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* fdlibm's cos (Sun Microsystems, 1993: "Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice is preserved"), as V8 computes
 * JavaScript's Math.cos (src/base/ieee754.cc), for arguments below 2^19 * pi/2. */
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
        /* fdlibm's two mirrored branches as one: subtracting s * c is adding c when s is -1,
         * bit for bit (multiplying by +-1 and negating are exact). */
        double s = negative ? -1 : 1, z = x - s * pio2_1;
        if (ix != 0x3ff921fb) {
            y[0] = z - s * pio2_1t;
            y[1] = (z - y[0]) - s * pio2_1t;
        } else {
            z -= s * pio2_2;
            y[0] = z - s * pio2_2t;
            y[1] = (z - y[0]) - s * pio2_2t;
        }
        return negative ? -1 : 1;
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

double js_cos(double x)
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
