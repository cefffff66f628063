/* opts: small helpers shared by the command-line front ends.
 *
 * Error convention of cmd/: a parser prints nothing; it returns false (or -1, writing the reason
 * into the caller's buffer, as thumbs_parse does) and its caller reports the error with tg_error
 * ("thumbgen: ..." on stderr, naming the option and what it expects); a command returns its exit
 * status (0, 1 some inputs failed, 2 usage or setup error, 130 interrupted). */
#ifndef CMD_OPTS_H
#define CMD_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses a whole decimal unsigned number in [min, max]; false on anything else (sign, junk,
 * overflow, empty). */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

struct option;

/* The name an option was given by, for messages: "--size" when getopt_long matched longopts
 * [longindex] (>= 0), else "-c" for short option c. Points into buf. (argv[optind - 1] is the
 * value, not the name, when the value is a separate argument.) */
const char *opt_name(const struct option *longopts, int longindex, int c, char *buf, size_t n);

/* Online CPUs, at least 1. */
unsigned online_cpus(void);

/* Prints "thumbgen: <formatted>" and a newline to stderr. */
void tg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
