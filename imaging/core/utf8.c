#include "core/utf8.h"

int utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    int n = c >= 0xC2 && c <= 0xDF   ? 2
            : c >= 0xE0 && c <= 0xEF ? 3
            : c >= 0xF0 && c <= 0xF4 ? 4
                                     : 0;
    /* The second byte's range rules out overlong forms (E0, F0), surrogates (ED) and code points
     * past U+10FFFF (F4); a NUL ends the check before the end of the string is passed. */
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    for (int k = 1; k < n; k++, lo = 0x80, hi = 0xBF)
        if (p[k] < lo || p[k] > hi)
            return 0;
    return n;
}

bool utf8_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = *p >= 0x80 ? utf8_len(p) : 1;
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}
