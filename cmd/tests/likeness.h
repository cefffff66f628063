/* likeness: a fast path's thumbnails against libvips' own path (--resize-path libvips), for
 * test_cli_fastjpeg and test_cli_fastpng, which make the same thumbnails both ways as PNG. */
#ifndef CMD_TESTS_LIKENESS_H
#define CMD_TESTS_LIKENESS_H

/* The worst PSNR of every likeness_compare of the run, and the thumbnail it was measured on. */
extern double likeness_worst;
extern char likeness_worst_name[600];

/* Fails the test unless the thumbnail at fast has the size and bands of the one at slow, to the
 * pixel, a PSNR of at least 40 dB against it, and each channel's mean within 1 level. */
void likeness_compare(const char *fast, const char *slow);

/* Writes an ICC profile of Adobe RGB (1998) to path, built with lcms2: D65, gamma 563/256. */
void likeness_adobe_icc(const char *path);

/* The counts of --stats' "resize paths" line in err: files made by the fast path from a JPEG,
 * from a PNG, and by libvips. Fails the test when err has no such line. */
void likeness_paths(const char *err, unsigned *jpeg, unsigned *png, unsigned *libvips);

/* The line of err that names file (malloc'd). Fails the test when none does. */
char *likeness_line(const char *err, const char *file);

#endif
