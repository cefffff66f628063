/* outputs: test helper that inspects a thumbnail tree. */
#ifndef CMD_TESTS_OUTPUTS_H
#define CMD_TESTS_OUTPUTS_H

#include <vips/vips.h>

/* Counts the regular files under dir (recursively) whose name contains part (NULL: every file).
 * Every counted .jpg must decode to its last pixel (the test fails otherwise), so a partial or
 * corrupt thumbnail can never be counted as made. */
int count_outputs(const char *dir, const char *part);

/* Opens an image for inspection (random access), failing the test if it does not load. */
VipsImage *load(const char *path);

/* The mean absolute difference of two images of the same size (a large value on error). */
double mean_abs_diff(VipsImage *a, VipsImage *b);

/* The first 64 KiB of a text file, in a static buffer; NULL if it cannot be opened. */
char *slurp(const char *path);

#endif
