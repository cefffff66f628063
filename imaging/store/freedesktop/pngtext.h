/* pngtext: reads the text keys of a PNG file (tEXt, zTXt and iTXt chunks) without decoding any
 * pixel, so that the freedesktop cache's freshness can be checked in this process: the chunks
 * are walked by their lengths, pixel data is skipped unread, compressed text is inflated with
 * zlib into a bounded buffer, and anything malformed simply yields no value (a text chunk whose
 * CRC does not match is dropped, as libpng drops it). Error convention:
 * pngtext_get returns how many of the keys it found; a value not found is NULL. */
#ifndef IMAGING_STORE_PNGTEXT_H
#define IMAGING_STORE_PNGTEXT_H

#include <stdio.h>

#define PNGTEXT_MAX 65536 /* longest text value read, in bytes */

/* Looks up keys[0..n) in the PNG file at path (not following a symlink); values[i] gets a
 * malloc'd copy of key i's text, or NULL. */
int pngtext_get(const char *path, const char *const *keys, char **values, int n);

/* The same, from an open stream (read from where it stands to the end or IEND). */
int pngtext_read(FILE *f, const char *const *keys, char **values, int n);

/* Frees values[0..n). */
void pngtext_free(char **values, int n);

#endif
