/* utf8: what the manifest's JSON and the gallery's HTML need to know of a name's bytes (a file
 * name may hold any bytes but '/' and NUL). Pure functions; they cannot fail. */
#ifndef IMAGING_UTF8_H
#define IMAGING_UTF8_H

#include <stdbool.h>

/* The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, surrogates or code points
 * past U+10FFFF) of 2 to 4 bytes at p, or 0 when there is none. */
int utf8_len(const unsigned char *p);

/* True when s is valid UTF-8. */
bool utf8_valid(const char *s);

#endif
