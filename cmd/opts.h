/* opts: small helpers shared by the command-line front ends. */
#ifndef CMD_OPTS_H
#define CMD_OPTS_H

#include <stdbool.h>
#include <stdint.h>

/* Parses a whole decimal unsigned number in [min, max]; false on anything else (sign, junk,
 * overflow, empty). */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Online CPUs, at least 1. */
unsigned online_cpus(void);

/* Prints "thumbgen: <formatted>" and a newline to stderr. */
void tg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
