/* outputs: test helper that inspects a thumbnail tree. */
#ifndef CMD_TESTS_OUTPUTS_H
#define CMD_TESTS_OUTPUTS_H

/* Counts the regular files under dir (recursively) whose name contains part (NULL: every file).
 * Every counted .jpg must decode to its last pixel (the test fails otherwise), so a partial or
 * corrupt thumbnail can never be counted as made. */
int count_outputs(const char *dir, const char *part);

#endif
