/* likeness: a fast path's thumbnails against libvips' own path (--resize-path libvips), for
 * test_cli_fastjpeg and test_cli_fastpng, which make the same thumbnails both ways as PNG. */
#ifndef CMD_TESTS_LIKENESS_H
#define CMD_TESTS_LIKENESS_H

#include <stdbool.h>

#include <vips/vips.h>

/* The worst PSNR of every likeness_compare of the run, and the thumbnail it was measured on. */
extern double likeness_worst;
extern char likeness_worst_name[600];

/* Fails the test unless the thumbnail at fast has the size and bands of the one at slow, to the
 * pixel, a PSNR of at least 40 dB against it, and each channel's mean within 1 level. */
void likeness_compare(const char *fast, const char *slow);

/* Fails the test unless dir/600/Landscape_6.png, thumbnailed from testdata's landscape photo
 * stored on its side (EXIF orientation 6), came out upright: wider than tall. */
void likeness_upright(const char *dir);

/* A fixture's pixels, for its writer: testdata's landscape photo (8-bit sRGB, 1200x800) at w x
 * h (forced: stretched if need be), made grey, or converted into the colours of the ICC profile
 * at icc (NULL: left sRGB). */
VipsImage *likeness_photo(int w, int h, bool grey, const char *icc);

/* Writes an ICC profile of Adobe RGB (1998) into dir as adobe.icc, built with lcms2 (D65, gamma
 * 563/256), and returns its path (static). */
const char *likeness_adobe_icc(const char *dir);

/* The counts of --stats' "resize paths" line in err: files made by the fast path from a JPEG,
 * from a PNG, and by libvips. Fails the test when err has no such line. */
void likeness_paths(const char *err, unsigned *jpeg, unsigned *png, unsigned *libvips);

/* The line that the run with stderr err_fast says of file, which must be the one the run with
 * err_slow says of it, and must have made no thumbnail dir/200/STEM.png (STEM: file's name
 * before its first dot): a failure in the same words on both paths. Malloc'd. */
char *likeness_same_failure(const char *err_fast, const char *err_slow, const char *file,
                            const char *dir);

#endif
